/* Small behaviours declared in the markup, so that no page needs inline script and the
   Content-Security-Policy can forbid it:
   <form data-confirm="…">            asks before submitting
   <select data-autosubmit>           submits its form when changed
   <select data-navigate="?x={value}"> goes to the URL with the chosen value
   <button data-print>                 prints the page */
(function () {
  "use strict";
  document.addEventListener("submit", function (event) {
    var form = event.target.closest("form[data-confirm]");
    if (form && !window.confirm(form.getAttribute("data-confirm"))) {
      event.preventDefault();
      event.stopImmediatePropagation();
    }
  }, true);
  document.addEventListener("change", function (event) {
    var select = event.target;
    if (select.matches("[data-autosubmit]") && select.form) {
      select.form.requestSubmit ? select.form.requestSubmit() : select.form.submit();
    } else if (select.matches("[data-navigate]") && select.value) {
      window.location = select.getAttribute("data-navigate").replace("{value}", encodeURIComponent(select.value));
    }
  });
  document.addEventListener("click", function (event) {
    if (event.target.closest("[data-print]")) {
      window.print();
    }
  });
})();
