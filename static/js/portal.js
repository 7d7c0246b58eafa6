/* Progress bars of background jobs: poll the job's status until it ends. */
(function () {
  "use strict";
  function poll(box) {
    var url = box.getAttribute("data-status-url");
    fetch(url, { credentials: "same-origin", headers: { "X-Portal-Poll": "1" } })
      .then(function (r) { return r.ok ? r.json() : null; })
      .then(function (data) {
        if (!data) { return; }
        var bar = box.querySelector("progress");
        bar.value = data.percent;
        bar.textContent = data.percent + "%";
        box.querySelector(".job-status").textContent = data.status_label;
        box.querySelector(".job-count").textContent =
          data.current + (data.total ? " of " + data.total : "");
        if (data.finished) {
          box.setAttribute("data-finished", "true");
          if (box.hasAttribute("data-reload-when-done")) { window.location.reload(); }
          return;
        }
        window.setTimeout(function () { poll(box); }, 700);
      })
      .catch(function () { window.setTimeout(function () { poll(box); }, 2000); });
  }
  document.querySelectorAll(".job-progress").forEach(function (box) {
    if (box.getAttribute("data-finished") !== "true") {
      box.setAttribute("data-reload-when-done", "");
      poll(box);
    }
  });
})();

/* Charts: the figure is JSON in a <script type="application/json"> (Django's json_script),
   named by the chart element's data-plotly-figure attribute. No inline script is needed,
   so the Content Security Policy can refuse every inline script without a nonce. */
(function () {
  "use strict";
  function draw() {
    if (!window.Plotly) { return; }
    document.querySelectorAll("[data-plotly-figure]").forEach(function (box) {
      var source = document.getElementById(box.getAttribute("data-plotly-figure"));
      if (!source) { return; }
      var figure = JSON.parse(source.textContent);
      // A figure serialised by plotly (fig.to_json()) arrives as a JSON string.
      if (typeof figure === "string") { figure = JSON.parse(figure); }
      var config = Object.assign({ responsive: true, displaylogo: false }, figure.config || {});
      window.Plotly.newPlot(box, figure.data || [], figure.layout || {}, config);
    });
  }
  // plotly.min.js is a deferred script that runs after this one: draw once the
  // page has loaded every script.
  if (document.readyState === "complete") {
    draw();
  } else {
    window.addEventListener("load", draw);
  }
})();
