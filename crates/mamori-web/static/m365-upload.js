// Upload progress for the Microsoft 365 import form: sends the form with XMLHttpRequest so the
// browser reports bytes sent, shows the percentage, then shows the server's result page.
// Without JavaScript the form posts normally.
(function () {
  "use strict";
  var form = document.getElementById("m365-import");
  if (!form || !window.XMLHttpRequest || !window.FormData) return;
  var status = document.getElementById("upload-progress");
  var bar = status ? status.querySelector("progress") : null;
  var label = status ? status.querySelector("span") : null;
  form.addEventListener("submit", function (ev) {
    ev.preventDefault();
    var xhr = new XMLHttpRequest();
    xhr.open("POST", form.action);
    if (status) status.hidden = false;
    xhr.upload.addEventListener("progress", function (e) {
      if (!e.lengthComputable) return;
      var p = Math.floor((e.loaded / e.total) * 100);
      if (bar) bar.value = p;
      if (label) label.textContent = (form.dataset.uploading || "").replace("{percent}", String(p));
    });
    xhr.upload.addEventListener("load", function () {
      if (bar) bar.removeAttribute("value");
      if (label) label.textContent = form.dataset.processing || "";
    });
    xhr.addEventListener("load", function () {
      document.open();
      document.write(xhr.responseText);
      document.close();
    });
    xhr.addEventListener("error", function () {
      form.submit();
    });
    form.querySelector("button[type=submit]").disabled = true;
    xhr.send(new FormData(form));
  });
})();
