// The Check page: once the upload form has sent its files, it is emptied, so that picking the same file again
// (edited in Excel and saved under the same name) sends it again (a file input fires no change for the same file).
(function () {
  "use strict";
  document.addEventListener("htmx:afterRequest", function (e) {
    var form = e.detail.elt;
    if (form && form.matches && form.matches("form.check-upload")) form.reset();
  });
})();
