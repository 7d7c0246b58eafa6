// Dealer profile charts: figures are built on the server (plotly in Python).
document.addEventListener("DOMContentLoaded", function () {
  [["data-month", "chart-month"], ["data-ttc", "chart-ttc"], ["data-places", "chart-places"]].forEach(function (pair) {
    var source = document.getElementById(pair[0]);
    var target = document.getElementById(pair[1]);
    if (!source || !target || !window.Plotly) { return; }
    var figure = JSON.parse(JSON.parse(source.textContent));
    window.Plotly.newPlot(target, figure.data, figure.layout, {responsive: true, displaylogo: false});
  });
});
