/* The visit's sign-off page: the visited person signs on the canvas with finger, pen or mouse
   (signature_pad, vendored); the drawing goes with the form as a PNG data URL. */
(function () {
  "use strict";
  var canvas = document.getElementById("signature-pad");
  if (!canvas || !window.SignaturePad) {
    return;
  }
  var pad = new window.SignaturePad(canvas, { backgroundColor: "rgba(0,0,0,0)", penColor: "#111" });
  var missing = document.getElementById("signature-missing");

  // Draw at the screen's pixel density; keep what was drawn when the phone turns.
  function resize() {
    var ratio = Math.max(window.devicePixelRatio || 1, 1);
    var drawn = pad.toData();
    canvas.width = canvas.offsetWidth * ratio;
    canvas.height = canvas.offsetHeight * ratio;
    canvas.getContext("2d").scale(ratio, ratio);
    pad.clear();
    pad.fromData(drawn);
  }
  window.addEventListener("resize", resize);
  resize();

  document.getElementById("signature-clear").addEventListener("click", function () {
    pad.clear();
  });
  document.getElementById("sign-off-form").addEventListener("submit", function (event) {
    if (pad.isEmpty()) {
      event.preventDefault();
      missing.hidden = false;
      canvas.focus();
      return;
    }
    missing.hidden = true;
    document.getElementById("signature-data").value = pad.toDataURL("image/png");
  });
}());
