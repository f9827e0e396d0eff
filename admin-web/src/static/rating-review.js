// Charts of the ratings review, drawn with ECharts (served from this origin) from each element's
// data-chart attribute: the page carries the same figures in tables, so it works without this script.
// Tooltips use rich text, not HTML: the CSP allows no inline styles for HTML tooltips to use.
(function () {
  'use strict';
  if (!window.echarts) return;
  var palette = ['#1f6feb', '#f0883e'];

  function distribution(data) {
    return {
      color: palette,
      tooltip: { trigger: 'axis', renderMode: 'richText' },
      grid: { left: 40, right: 16, top: 24, bottom: 32 },
      xAxis: { type: 'category', data: data.labels },
      yAxis: { type: 'value', minInterval: 1 },
      series: [{ type: 'bar', name: data.name, data: data.values, label: { show: true, position: 'top' } }],
    };
  }

  function trend(data) {
    return {
      color: palette,
      tooltip: { trigger: 'axis', renderMode: 'richText' },
      legend: { data: [data.countName, data.averageName], top: 0 },
      grid: { left: 40, right: 40, top: 32, bottom: 32 },
      xAxis: { type: 'category', data: data.periods },
      yAxis: [
        { type: 'value', minInterval: 1 },
        { type: 'value', min: 1, max: 5 },
      ],
      series: [
        { type: 'bar', name: data.countName, data: data.counts },
        { type: 'line', name: data.averageName, yAxisIndex: 1, data: data.averages },
      ],
    };
  }

  var charts = [];
  document.querySelectorAll('.rating-chart[data-chart]').forEach(function (element) {
    var data;
    try {
      data = JSON.parse(element.getAttribute('data-chart'));
    } catch {
      return;
    }
    var chart = window.echarts.init(element, null, { renderer: 'canvas' });
    chart.setOption(data.kind === 'trend' ? trend(data) : distribution(data));
    element.setAttribute('data-rendered', 'true');
    charts.push(chart);
  });
  window.addEventListener('resize', function () {
    charts.forEach(function (chart) {
      chart.resize();
    });
  });
})();
