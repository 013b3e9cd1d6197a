/* Victim assistance: drafts that survive a network drop or a closed tab, the officer autocomplete
   of the callout forms, and the print button of the referral sheet. Loaded only by the victims
   pages (strict CSP: no inline script); every page works without it. */
(function () {
  "use strict";

  var PREFIX = "concertation-draft:";
  var MAX_AGE_MS = 24 * 3600 * 1000; // a draft older than a day is stale: drop it
  // Never kept in the browser: identity fields of persons, and the CSRF token.
  var NEVER_KEPT = /^(csrfmiddlewaretoken|person-.*|first_name|last_name|phone|email|address|notes)$/;

  function meta(name) {
    var element = document.querySelector("meta[name='" + name + "']");
    return element ? element.getAttribute("content") || "" : null;
  }

  function storage() {
    try { return window.localStorage; } catch (error) { return null; }
  }

  function eachDraft(callback) {
    var store = storage();
    if (!store) { return; }
    var keys = [];
    for (var i = 0; i < store.length; i++) {
      var key = store.key(i);
      if (key && key.indexOf(PREFIX) === 0) { keys.push(key); }
    }
    keys.forEach(function (key) {
      var draft = null;
      try { draft = JSON.parse(store.getItem(key)); } catch (error) { draft = null; }
      callback(key, draft);
    });
  }

  function clearAll() {
    var store = storage();
    eachDraft(function (key) { store.removeItem(key); });
  }

  // Housekeeping on every page that loads this file: drop other users' drafts (a shared phone),
  // stale drafts, and drafts of forms the server just saved.
  function cleanUp(scope, saved) {
    var store = storage();
    var now = Date.now();
    eachDraft(function (key, draft) {
      if (!draft || draft.scope !== scope || now - (draft.savedAt || 0) > MAX_AGE_MS ||
          saved.indexOf(draft.form) !== -1 || (draft.token && saved.indexOf(draft.token) !== -1)) {
        store.removeItem(key);
      }
    });
  }

  function fieldsOf(form) {
    var values = {};
    Array.prototype.forEach.call(form.elements, function (element) {
      if (!element.name || NEVER_KEPT.test(element.name) || element.type === "submit" || element.type === "button") { return; }
      if (element.type === "checkbox") {
        values[element.name] = values[element.name] || [];
        if (element.checked) { values[element.name].push(element.value); }
      } else if (element.type === "radio") {
        if (element.checked) { values[element.name] = element.value; }
      } else {
        values[element.name] = element.value;
      }
    });
    return values;
  }

  function fill(form, values) {
    Array.prototype.forEach.call(form.elements, function (element) {
      if (!element.name || !(element.name in values) || NEVER_KEPT.test(element.name)) { return; }
      var value = values[element.name];
      if (element.type === "checkbox") {
        element.checked = Array.isArray(value) && value.indexOf(element.value) !== -1;
      } else if (element.type === "radio") {
        element.checked = element.value === value;
      } else {
        element.value = value;
      }
    });
  }

  function setUpDraft(form, scope) {
    var store = storage();
    if (!store) { return; }
    var name = form.getAttribute("data-draft");
    var key = PREFIX + scope + ":" + name;
    var banner = form.querySelector("[data-draft-banner]");
    var initial = JSON.stringify(fieldsOf(form));
    var existing = null;
    try { existing = JSON.parse(store.getItem(key)); } catch (error) { existing = null; }

    if (existing && existing.values && JSON.stringify(existing.values) !== initial && banner) {
      var time = banner.querySelector("[data-draft-time]");
      if (time) {
        time.textContent = new Date(existing.savedAt).toLocaleTimeString(document.documentElement.lang || undefined,
          { hour: "2-digit", minute: "2-digit" });
      }
      banner.classList.remove("d-none");
      banner.querySelector("[data-draft-restore]").addEventListener("click", function () {
        fill(form, existing.values);
        banner.classList.add("d-none");
      });
      banner.querySelector("[data-draft-discard]").addEventListener("click", function () {
        store.removeItem(key);
        banner.classList.add("d-none");
      });
    }

    function keep() {
      var values = fieldsOf(form);
      if (JSON.stringify(values) === initial) { return; }
      var token = values.idempotency_key || "";
      try {
        store.setItem(key, JSON.stringify({ scope: scope, form: name, token: token, savedAt: Date.now(), values: values }));
      } catch (error) { /* storage full or refused: the form still works */ }
    }
    form.addEventListener("input", keep);
    form.addEventListener("change", keep);
  }

  // Officer autocomplete: type a name, pick from the directory (app.js handles the pick).
  function setUpOfficerSearch(input) {
    var field = input.getAttribute("data-officer-search");
    var slot = document.getElementById("officer-options-" + field) ||
      (function () {
        var div = document.createElement("div");
        div.id = "officer-options-" + field;
        div.className = "officer-options-slot";
        input.parentNode.appendChild(div);
        return div;
      })();
    // The ids app.js fills when an officer is picked: id_<field> (hidden) and id_<field>_text.
    var hidden = document.getElementById("id_" + field);
    var timer = null;
    var url = document.querySelector("meta[name='officer-search-url']");
    var base = url ? url.getAttribute("content") : "/directory/officers/search/";
    input.setAttribute("autocomplete", "off");
    input.addEventListener("input", function () {
      if (hidden) { hidden.value = ""; } // typed again: no longer the officer picked before
      window.clearTimeout(timer);
      var text = input.value.trim();
      if (text.length < 2) { slot.innerHTML = ""; return; }
      timer = window.setTimeout(function () {
        var query = base + "?q=" + encodeURIComponent(text) + "&field=" + encodeURIComponent(field);
        fetch(query, { credentials: "same-origin", headers: { "HX-Request": "true" } })
          .then(function (response) { return response.ok ? response.text() : ""; })
          .then(function (html) { if (input.value.trim() === text) { slot.innerHTML = html; } })
          .catch(function () { slot.innerHTML = ""; });
      }, 300);
    });
    input.addEventListener("keydown", function (event) {
      if (event.key === "Escape") { slot.innerHTML = ""; }
    });
  }

  document.addEventListener("DOMContentLoaded", function () {
    var scope = meta("victims-draft-scope");
    if (scope !== null) {
      var saved = (meta("victims-saved-drafts") || "").split(" ").filter(Boolean);
      cleanUp(scope, saved);
      Array.prototype.forEach.call(document.querySelectorAll("form[data-draft]"), function (form) {
        setUpDraft(form, scope);
      });
    }
    Array.prototype.forEach.call(document.querySelectorAll("[data-print]"), function (button) {
      button.addEventListener("click", function () { window.print(); });
    });
  });

  // Officer autocomplete on the page and in forms htmx brings in later ("Record an officer coached").
  function setUpWithin(root) {
    var fields = root.querySelectorAll ? root.querySelectorAll("[data-officer-search]") : [];
    Array.prototype.forEach.call(fields, function (input) {
      if (!input.dataset.officerReady) { input.dataset.officerReady = "1"; setUpOfficerSearch(input); }
    });
  }
  document.addEventListener("DOMContentLoaded", function () { setUpWithin(document); });
  document.addEventListener("htmx:load", function (event) { setUpWithin(event.target); });

  // Signing out from a page of this app: no draft stays behind on this device.
  document.addEventListener("submit", function (event) {
    var action = event.target.getAttribute("action") || "";
    if (/\/sign-out\/?$/.test(action)) { clearAll(); }
  });
})();
