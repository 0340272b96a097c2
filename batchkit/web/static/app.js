// batchkit workbench: the few behaviours htmx does not give (no inline script anywhere: CSP allows only this file).
(function () {
  "use strict";
  // A drop zone fills its form's file input and fires `change` on it (a form that uploads on change then sends it;
  // the input stays usable by keyboard).
  function wireDrops(root) {
    root.querySelectorAll("[data-drop]").forEach(function (zone) {
      if (zone.dataset.wired) return;
      zone.dataset.wired = "1";
      var input = zone.querySelector("input[type=file]");
      ["dragenter", "dragover"].forEach(function (name) {
        zone.addEventListener(name, function (e) { e.preventDefault(); zone.classList.add("over"); });
      });
      ["dragleave", "drop"].forEach(function (name) {
        zone.addEventListener(name, function () { zone.classList.remove("over"); });
      });
      zone.addEventListener("drop", function (e) {
        e.preventDefault();
        if (!input || !e.dataTransfer || !e.dataTransfer.files.length) return;
        input.files = e.dataTransfer.files;
        input.dispatchEvent(new Event("change", { bubbles: true }));
      });
    });
  }
  // A grid cell with a note opens it on click or Enter (hover and focus open it through CSS).
  document.addEventListener("click", function (e) {
    var cell = e.target.closest && e.target.closest("[data-note]");
    if (cell && !e.target.closest(".cell-note")) cell.classList.toggle("open");
  });
  document.addEventListener("keydown", function (e) {
    var cell = e.target.closest && e.target.closest("[data-note]");
    if (cell && (e.key === "Enter" || e.key === " ") && e.target === cell) { e.preventDefault(); cell.classList.toggle("open"); }
  });
  // A button with data-copy copies the text of the element it names (messages must be copyable).
  document.addEventListener("click", function (e) {
    var button = e.target.closest && e.target.closest("[data-copy]");
    if (!button) return;
    var source = document.getElementById(button.getAttribute("data-copy"));
    if (source && navigator.clipboard) navigator.clipboard.writeText(source.textContent.trim());
  });
  // A button that sends something disables itself until the answer comes (a double click sends one request;
  // the server also refuses a second start of the same confirmation).
  function onceButton(e) {  // the [data-once] element that sent this request: itself, or the form's submit button
    var el = e.detail.elt;
    if (el && el.matches && el.matches("[data-once]")) return el;
    var ev = e.detail.requestConfig && e.detail.requestConfig.triggeringEvent;
    var sub = ev && ev.submitter;
    return sub && sub.matches && sub.matches("[data-once]") ? sub : null;
  }
  document.addEventListener("htmx:beforeRequest", function (e) {
    var button = onceButton(e);
    if (button) button.setAttribute("disabled", "disabled");
  });
  document.addEventListener("htmx:afterRequest", function (e) {  // refused or unreachable: the button may try again
    var button = onceButton(e);
    if (button && !e.detail.successful) button.removeAttribute("disabled");
  });
  document.addEventListener("DOMContentLoaded", function () { wireDrops(document); });
  document.addEventListener("htmx:afterSwap", function (e) { wireDrops(e.target); });
})();
