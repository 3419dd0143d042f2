// Rules form of a distribution scenario (templates/allocation/scenario_edit.html).
// Progressive enhancement: without JavaScript the "Preview" button posts the
// form and the server marks the fields.
(() => {
  const MARK = "data-live-error";

  // The live preview (#preview, swapped by htmx) lists the fields it complains
  // about as <li data-field-error="id" data-message="...">. Mark each field as
  // the server-rendered form does: aria-invalid, the error text next to it,
  // linked by aria-describedby. Marks of the previous preview are removed.
  const clear = () => {
    document.querySelectorAll(`[${MARK}]`).forEach((element) => {
      if (element.classList.contains("kern-error")) {
        element.remove();
        return;
      }
      element.removeAttribute("aria-invalid");
      const describedBy = (element.getAttribute("aria-describedby") || "")
        .split(" ")
        .filter((id) => id && id !== `${element.id}-live-error`);
      if (describedBy.length) {
        element.setAttribute("aria-describedby", describedBy.join(" "));
      } else {
        element.removeAttribute("aria-describedby");
      }
      element.closest(".kern-form-input")?.classList.remove("kern-form-input--error");
      element.removeAttribute(MARK);
    });
  };

  const mark = (preview) => {
    clear();
    preview.querySelectorAll("[data-field-error]").forEach((item) => {
      const field = document.getElementById(item.dataset.fieldError);
      if (!field || field.closest(".kern-form-input--error")) {
        return; // no such field, or marked by the server-rendered page already
      }
      const wrapper = field.closest(".kern-form-input");
      const error = document.createElement("p");
      error.className = "kern-error";
      error.id = `${field.id}-live-error`;
      error.setAttribute(MARK, "");
      const text = document.createElement("span");
      text.className = "kern-body";
      text.textContent = item.dataset.message || "";
      error.append(text);
      (field.closest(".kern-form-input__select-wrapper") || field).before(error);
      field.setAttribute("aria-invalid", "true");
      const describedBy = (field.getAttribute("aria-describedby") || "").split(" ").filter(Boolean);
      field.setAttribute("aria-describedby", [...describedBy, error.id].join(" "));
      field.setAttribute(MARK, "");
      wrapper?.classList.add("kern-form-input--error");
    });
  };

  // While htmx recalculates, the preview says so (aria-busy, the indicator).
  const busy = (value) => {
    document.getElementById("preview")?.setAttribute("aria-busy", value ? "true" : "false");
  };

  document.addEventListener("htmx:beforeRequest", (event) => {
    if (event.target.closest?.(".rules-form")) {
      busy(true);
    }
  });
  document.addEventListener("htmx:afterRequest", (event) => {
    if (event.target.closest?.(".rules-form")) {
      busy(false);
    }
  });
  // htmx swaps #preview with outerHTML; mark once the new one is in place.
  document.addEventListener("htmx:afterSettle", () => {
    const preview = document.getElementById("preview");
    if (preview && document.querySelector(".rules-form")) {
      mark(preview);
    }
  });
})();
