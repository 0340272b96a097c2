// The Inquiries page's two behaviours htmx does not give as such (no inline script: CSP allows only /static files).
(function () {
  "use strict";
  // A swapped row keeps its controls' ids (the focus stays put); htmx "settles" attributes of elements with the same
  // id, and copying a `style` attribute (an empty one turns up on the grid's inputs in Chromium) is an inline style the
  // CSP refuses, and a console error: settle the others only.
  if (window.htmx) window.htmx.config.attributesToSettle = ["class", "width", "height"];
  // A one-line problem (4xx/5xx, role=alert) answering a row's edit goes into the row's last cell: a <div> in place
  // of the <tr> would break the table.
  document.addEventListener("htmx:beforeSwap", function (e) {
    var el = e.detail.elt;
    if (e.detail.xhr && e.detail.xhr.status >= 400 && el && el.matches && el.matches("tr.inq-row")) {
      e.detail.shouldSwap = true;
      e.detail.isError = false;
      e.detail.target = el.querySelector("td:last-child") || el;
      e.detail.swapOverride = "innerHTML";
    }
  });
})();
