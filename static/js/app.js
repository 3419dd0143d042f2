// Progressive enhancement only: every page works without JavaScript.
// Confirm destructive actions (forms marked data-confirm).
document.addEventListener("submit", (event) => {
  const form = event.target;
  if (form instanceof HTMLFormElement && form.dataset.confirm && !window.confirm(form.dataset.confirm)) {
    event.preventDefault();
  }
});

// An htmx request that fails swaps nothing, so the user would see nothing
// happen (issue 13). Say so in the live region of base.html (#request-error,
// role="alert"). The texts come translated from its data- attributes:
// data-message with {status} and {reason}, data-reason-<status> (or
// data-reason-other) for the words, data-offline for a request that found
// no server at all.
(() => {
  const region = () => document.getElementById("request-error");
  const show = (text) => {
    const target = region();
    if (!target || !text) {
      return;
    }
    const alert = document.createElement("div");
    alert.className = "kern-alert kern-alert--danger";
    const header = document.createElement("div");
    header.className = "kern-alert__header";
    const title = document.createElement("span");
    title.className = "kern-title";
    title.textContent = text;
    header.append(title);
    alert.append(header);
    target.replaceChildren(alert);
    target.scrollIntoView({ block: "nearest" });
  };
  const text = (name) => region()?.getAttribute(`data-${name}`) ?? "";
  document.addEventListener("htmx:responseError", (event) => {
    const status = event.detail.xhr ? event.detail.xhr.status : 0;
    const reason = text(`reason-${status}`) || text("reason-other");
    show(text("message").replace("{status}", String(status)).replace("{reason}", reason));
  });
  document.addEventListener("htmx:sendError", () => show(text("offline")));
})();
