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
