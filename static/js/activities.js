// The weekly grid (issue 13), progressive enhancement only: the page works
// without it.
(() => {
  // After a refused save the error summary takes the focus, and each of its
  // links puts the focus into the field it names (not only scrolls there).
  const summary = document.querySelector('[data-week="errors"]');
  if (summary) {
    summary.focus();
    summary.addEventListener("click", (event) => {
      const link = event.target instanceof Element ? event.target.closest("a[data-focus]") : null;
      const field = link ? document.getElementById(link.dataset.focus) : null;
      if (field) {
        event.preventDefault();
        const topics = field.closest("details");
        if (topics) {
          topics.open = true;
        }
        field.focus();
        field.scrollIntoView({ block: "center" });
      }
    });
  }
  // A row's closed topic list says which topics are ticked.
  document.addEventListener("change", (event) => {
    const box = event.target;
    const topics = box instanceof HTMLInputElement ? box.closest("details[data-topics]") : null;
    const target = topics ? topics.querySelector("[data-topics-chosen]") : null;
    if (!target) {
      return;
    }
    const labels = [...topics.querySelectorAll("input[type=checkbox]:checked")]
      .map((input) => topics.querySelector(`label[for="${input.id}"]`)?.textContent.trim())
      .filter(Boolean);
    target.textContent = labels.length ? `: ${labels.join(", ")}` : "";
  });
})();
