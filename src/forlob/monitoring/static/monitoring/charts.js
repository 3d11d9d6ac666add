// Draws the dashboard's trend charts with the vendored vega-embed. The specifications come from
// the server (Altair) in a JSON script element; each chart has a table of the same numbers beside
// it, so nothing is lost when scripts are off or a screen reader is used.
(function () {
  "use strict";
  function draw() {
    var holder = document.getElementById("chart-specs");
    if (!holder || typeof window.vegaEmbed !== "function") { return; }
    var specs = JSON.parse(holder.textContent);
    Object.keys(specs).forEach(function (id) {
      var el = document.getElementById(id);
      if (!el) { return; }
      window.vegaEmbed(el, specs[id], { actions: false, renderer: "svg" })
        .then(function () { el.setAttribute("data-rendered", "true"); })
        .catch(function (err) { el.textContent = ""; el.setAttribute("data-error", String(err)); });
    });
  }
  if (document.readyState === "loading") {
    document.addEventListener("DOMContentLoaded", draw);
  } else {
    draw();
  }
})();
