// The query page works without this script; it only adds conveniences:
// "Put in the editor" buttons, Ctrl+Enter to run, and POST for queries too long for a URL.
(function () {
  "use strict";
  var form = document.getElementById("query-form");
  var editor = document.getElementById("query");
  if (!form || !editor) { return; }
  var LONG_QUERY = 4000;

  document.querySelectorAll("button.load").forEach(function (button) {
    button.addEventListener("click", function () {
      editor.value = button.getAttribute("data-query");
      editor.focus();
      window.scrollTo({ top: form.offsetTop, behavior: "smooth" });
    });
  });

  form.addEventListener("submit", function () {
    if (editor.value.length > LONG_QUERY) {
      form.method = "post";
      form.enctype = "application/x-www-form-urlencoded";
    }
  });

  editor.addEventListener("keydown", function (event) {
    if (event.key === "Enter" && (event.ctrlKey || event.metaKey)) {
      event.preventDefault();
      if (form.requestSubmit) { form.requestSubmit(); } else { form.submit(); }
    }
  });
})();
