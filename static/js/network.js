/* The network page: a click on a node opens its entity page (the node's customdata).
   Runs after portal.js has drawn the figure (both wait for the page's load event). */
(function () {
  "use strict";
  function attach() {
    document.querySelectorAll("[data-network-graph]").forEach(function (box) {
      if (typeof box.on !== "function") { return; }
      box.on("plotly_click", function (event) {
        var point = event && event.points && event.points[0];
        if (point && typeof point.customdata === "string" && point.customdata.charAt(0) === "/") {
          window.location.assign(point.customdata);
        }
      });
    });
  }
  if (document.readyState === "complete") {
    attach();
  } else {
    window.addEventListener("load", attach);
  }
})();
