// followup: progressive enhancement only; every page works without this file.
(function () {
  "use strict";
  // Provider presets on the "connect a mailbox" form.
  var provider = document.getElementById("provider");
  if (provider) {
    var fields = document.getElementById("server-fields");
    var note = document.getElementById("provider-note");
    var apply = function () {
      var option = provider.options[provider.selectedIndex];
      var custom = option.value === "custom";
      if (!custom) {
        document.getElementById("imap_host").value = option.dataset.host;
        document.getElementById("imap_port").value = option.dataset.port;
        document.getElementById("security").value = option.dataset.security;
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
