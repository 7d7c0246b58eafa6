/* Incident and alert maps (figures built on the server) and the live alert view. */
(function () {
  "use strict";
  function draw(box, figure) {
    if (!window.Plotly || !figure) { return; }
    window.Plotly.react(box, figure.data || [], figure.layout || {}, { responsive: true, displaylogo: false });
  }
  document.querySelectorAll("[data-figure]").forEach(function (box) {
    var source = document.getElementById(box.getAttribute("data-figure"));
    if (source) { draw(box, JSON.parse(JSON.parse(source.textContent))); }
  });

  var live = document.querySelector("[data-live-url]");
  if (!live) { return; }
  var url = live.getAttribute("data-live-url");
  var every = parseInt(live.getAttribute("data-live-seconds") || "15", 10) * 1000;
  function cell(row, text) {
    var td = document.createElement("td");
    td.textContent = text === null || text === undefined ? "" : String(text);
    row.appendChild(td);
    return td;
  }
  function refresh() {
    fetch(url, { credentials: "same-origin", headers: { "X-Portal-Poll": "1" } })
      .then(function (r) { return r.ok ? r.json() : null; })
      .then(function (data) {
        if (!data) { return; }
        var body = live.querySelector("tbody");
        body.textContent = "";
        data.alerts.forEach(function (alert) {
          var row = document.createElement("tr");
          var first = cell(row, "");
          var link = document.createElement("a");
          link.href = alert.url;
          link.textContent = alert.source_id;
          first.appendChild(link);
          cell(row, alert.fired_at);
          cell(row, alert.type);
          cell(row, alert.rounds);
          cell(row, alert.incidents);
          cell(row, alert.event ? "yes" : "");
          body.appendChild(row);
        });
        live.querySelector(".live-count").textContent = data.count;
        live.querySelector(".live-updated").textContent = data.generated_at;
        var chart = document.getElementById("live-map");
        if (chart) { draw(chart, data.figure); }
      })
      .catch(function () { /* try again at the next tick */ })
      .then(function () { window.setTimeout(refresh, every); });
  }
  window.setTimeout(refresh, every);
})();
