// followup: progressive enhancement only; every page works without this file.
(function () {
  "use strict";
  // Provider presets on the "connect a mailbox" form.
  var provider = document.getElementById("provider");
  if (provider) {
    var fields = document.getElementById("server-fields");
    var note = document.getElementById("provider-note");
    var host = document.getElementById("imap_host"), port = document.getElementById("imap_port");
    var apply = function (event) {
      var option = provider.options[provider.selectedIndex];
      var custom = option.value === "custom";
      if (!custom) {
        host.value = option.dataset.host;
        port.value = option.dataset.port;
        document.getElementById("security").value = option.dataset.security;
      } else if (event) {
        // Switching to "Other": the preset's server is not the user's, so it does not stay.
        host.value = "";
        port.value = "";
      }
      if (fields) { fields.hidden = !custom; }
      if (note) { note.textContent = option.dataset.note || ""; }
    };
    provider.addEventListener("change", apply);
    apply();
  }
})();
// The Undo button (web/undo.py) goes away after its time; without this file it stays in the page.
(function () {
  "use strict";
  var arm = function (root) {
    var forms = (root.querySelectorAll ? root : document).querySelectorAll("form.undo[data-undo-seconds]");
    Array.prototype.forEach.call(forms, function (form) {
      if (form.dataset.armed) { return; }
      form.dataset.armed = "1";
      window.setTimeout(function () { form.remove(); }, 1000 * Number(form.dataset.undoSeconds));
    });
  };
  document.addEventListener("DOMContentLoaded", function () { arm(document); });
  document.addEventListener("htmx:afterSettle", function () { arm(document); });
})();
// Keyboard shortcuts on the follow-ups list (the list of them: "?"). Never inside a field,
// never with Ctrl/Alt/Meta; after an action the next follow-up has the focus.
(function () {
  "use strict";
  var list = document.querySelector("#task-list");
  var dialog = document.getElementById("shortcuts");
  if (!list || !dialog) { return; }
  var rows = function () { return Array.prototype.slice.call(list.querySelectorAll("li.task")); };
  var current = null;
  var focusRow = function (row) {
    if (!row) { return; }
    if (current) { current.classList.remove("current"); }
    current = row;
    row.classList.add("current");
    row.setAttribute("tabindex", "-1");
    row.focus();
    row.scrollIntoView({block: "nearest"});
  };
  var move = function (step) {
    var all = rows();
    var index = all.indexOf(current);
    focusRow(all[Math.min(all.length - 1, Math.max(0, index + step))] || all[0]);
  };
  var click = function (selector) {
    var target = current && current.querySelector(selector);
    if (target) { target.click(); }
  };
  // The row leaves the list after an action: the one after it (or before it) takes the focus.
  var following = null;
  document.addEventListener("htmx:beforeRequest", function (event) {
    var row = event.target.closest && event.target.closest("li.task");
    if (row && event.target.tagName === "FORM") {
      focusRow(row);
      following = row.nextElementSibling || row.previousElementSibling;
    }
  });
  document.addEventListener("htmx:afterSettle", function () {
    if (current && !document.body.contains(current)) {
      current = null;
      focusRow(following && document.body.contains(following) ? following : rows()[0]);
    }
  });
  list.addEventListener("focusin", function (event) {
    var row = event.target.closest("li.task");
    if (row && row !== current) {
      if (current) { current.classList.remove("current"); }
      current = row;
      row.classList.add("current");
    }
  });
  document.addEventListener("keydown", function (event) {
    var target = event.target;
    if (event.ctrlKey || event.metaKey || event.altKey || dialog.open) { return; }
    if (target.isContentEditable || /^(INPUT|TEXTAREA|SELECT)$/.test(target.tagName)) { return; }
    var actions = {
      "j": function () { move(1); },
      "k": function () { move(-1); },
      "o": function () { click(".nudge a"); },
      "e": function () { click('button[value="done"]'); },
      "#": function () { click('button[value="dismiss"]'); },
      "m": function () { click('button[value="mute"]'); },
      "d": function () { click("a.draft-link"); },
      "s": function () {
        var field = current && current.querySelector('input[name="when"]');
        if (field) { field.closest("details").open = true; field.focus(); }
      },
      "z": function () { var undo = document.querySelector("form.undo button"); if (undo) { undo.click(); } },
      "?": function () { dialog.showModal(); }
    };
    var action = actions[event.key];
    if (!action) { return; }
    if (!current && event.key !== "?" && event.key !== "z") { focusRow(rows()[0]); if (event.key === "j") { return; } }
    event.preventDefault();
    action();
  });
})();
// Settings on a first visit (time zone still UTC): suggest the browser's own zone; saving keeps it.
(function () {
  "use strict";
  var select = document.querySelector("select[data-suggest-browser-zone]");
  if (!select || !window.Intl) { return; }
  var zone = Intl.DateTimeFormat().resolvedOptions().timeZone;
  if (!zone || zone === select.value) { return; }
  var known = Array.prototype.some.call(select.options, function (o) { return o.value === zone; });
  if (!known) { return; }
  select.value = zone;
  var hint = document.getElementById("timezone-suggested");
  if (hint) { hint.textContent = "Suggested from your browser: " + zone + ". Save to keep it."; hint.hidden = false; }
})();
