/* Draws the report charts from the JSON in #report-charts with the vendored Apache ECharts
   (SVG renderer: crisp on screen and on paper). A click on a bar or a point opens the
   complaint list of exactly its cases. No inline handlers (Content-Security-Policy 'self'). */
(function () {
  "use strict";
  var source = document.getElementById("report-charts");
  if (!source || !window.echarts) { return; }
  var specs = JSON.parse(source.textContent);
  var charts = [];
  var palette = ["#337ab7", "#d9534f", "#5cb85c", "#f0ad4e", "#5bc0de"];

  function baseOption(spec) {
    return {
      color: palette,
      animation: false,
      tooltip: { trigger: "axis" },
      grid: { left: 48, right: spec.kind === "pareto" ? 56 : 16, top: 36, bottom: 8, containLabel: true },
      xAxis: { type: "category", data: spec.labels,
               axisLabel: { interval: 0, rotate: spec.labels.length > 4 ? 35 : 0, fontSize: 11,
                            width: 96, overflow: "truncate" } },
      legend: { top: 0, textStyle: { fontSize: 11 } }
    };
  }

  function option(spec) {
    var opt = baseOption(spec);
    if (spec.kind === "pareto") {
      opt.yAxis = [{ type: "value", minInterval: 1 },
                   { type: "value", min: 0, max: 100, axisLabel: { formatter: "{value} %" } }];
      opt.series = [
        { name: spec.series[0].name, type: "bar", data: spec.series[0].data, cursor: "pointer",
          label: { show: true, position: "top" } },
        { name: spec.series[1].name, type: "line", yAxisIndex: 1, data: spec.series[1].data,
          label: { show: true, formatter: "{c} %", fontSize: 10 } }
      ];
    } else if (spec.kind === "trend") {
      opt.yAxis = { type: "value", minInterval: 1 };
      opt.series = spec.series.map(function (s, i) {
        return { name: s.name, type: i === 0 ? "bar" : "line", data: s.data, cursor: "pointer" };
      });
    } else if (spec.kind === "percent") {
      opt.yAxis = { type: "value", min: 0, max: 100, axisLabel: { formatter: "{value} %" } };
      opt.series = [{ name: spec.series[0].name, type: "bar", data: spec.series[0].data,
                      label: { show: true, position: "top", formatter: "{c} %" } }];
    } else {
      opt.yAxis = { type: "value", minInterval: 1 };
      opt.series = [{ name: spec.series[0].name, type: "bar", data: spec.series[0].data, cursor: "pointer",
                      label: { show: true, position: "top" } }];
    }
    if (!spec.labels.length) {
      opt.title = { text: "—", left: "center", top: "middle", textStyle: { color: "#999", fontSize: 28 } };
    }
    return opt;
  }

  specs.forEach(function (spec) {
    var element = document.getElementById(spec.id);
    if (!element) { return; }
    var chart = echarts.init(element, null, { renderer: "svg" });
    chart.setOption(option(spec));
    chart.on("click", function (params) {
      var url = spec.links[params.dataIndex];
      if (url) { window.location.href = url; }
    });
    charts.push(chart);
  });

  function resizeAll() { charts.forEach(function (c) { c.resize(); }); }
  window.addEventListener("resize", resizeAll);
  // Charts are redrawn at the paper's width before printing and back after.
  if (window.matchMedia) {
    window.matchMedia("print").addEventListener("change", resizeAll);
  }
  window.addEventListener("beforeprint", resizeAll);
  window.addEventListener("afterprint", resizeAll);
  var printButton = document.getElementById("print-report");
  if (printButton) { printButton.addEventListener("click", function () { window.print(); }); }
}());
