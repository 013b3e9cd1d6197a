/* Concertation: small behaviours. No inline scripts anywhere (strict CSP); every page also works
   without JavaScript — this file only makes it quicker. */
(function () {
  "use strict";

  // Officer autocomplete: a click (or Enter) on a proposed officer fills the hidden id and the
  // visible text of the field named in data-field, then closes the list.
  function pickOfficer(option) {
    var field = option.dataset.field;
    var hidden = document.getElementById("id_" + field);
    var text = document.getElementById("id_" + field + "_text");
    if (hidden) { hidden.value = option.dataset.value; hidden.dispatchEvent(new Event("change", { bubbles: true })); }
    if (text) { text.value = option.dataset.label; }
    var phone = document.querySelector("[data-phone-for='" + field + "']");
    if (phone && !phone.value && option.dataset.phone) { phone.value = option.dataset.phone; }
    var list = option.closest(".officer-options");
    if (list && list.parentElement) { list.parentElement.innerHTML = ""; }
  }
  document.addEventListener("click", function (event) {
    var option = event.target.closest(".officer-options [role=option][data-value]");
    if (option) { pickOfficer(option); }
  });
  document.addEventListener("keydown", function (event) {
    if (event.key !== "Enter") { return; }
    var option = event.target.closest(".officer-options [role=option][data-value]");
    if (option) { event.preventDefault(); pickOfficer(option); }
  });

  // Buttons that ask for confirmation before a destructive POST: data-confirm="question".
  document.addEventListener("submit", function (event) {
    var button = event.submitter;
    var question = (button && button.dataset.confirm) || event.target.dataset.confirm;
    if (question && !window.confirm(question)) { event.preventDefault(); }
  });
})();
