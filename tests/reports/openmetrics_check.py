"""Parses OpenMetrics files with the reference parser (python3-prometheus-client), which rejects
malformed text, and checks what it does not: every histogram's buckets are cumulative, end in +Inf
equal to _count, and each sample's family was declared. Usage: openmetrics_check.py FILE..."""
import sys

from prometheus_client.openmetrics.parser import text_string_to_metric_families


def check(path):
    with open(path, encoding="utf-8") as f:
        text = f.read()
    families = list(text_string_to_metric_families(text))
    assert families, f"{path}: no metric family"
    histograms = 0
    for family in families:
        if family.type != "histogram":
            continue
        series = {}
        for s in family.samples:
            key = tuple(sorted((k, v) for k, v in s.labels.items() if k != "le"))
            series.setdefault(key, {"buckets": [], "count": None})
            if s.name.endswith("_bucket"):
                series[key]["buckets"].append((s.labels["le"], s.value))
            elif s.name.endswith("_count"):
                series[key]["count"] = s.value
        for key, h in series.items():
            values = [v for _, v in h["buckets"]]
            assert values == sorted(values), f"{path}: {family.name}{key}: not cumulative"
            assert h["buckets"][-1][0] == "+Inf", f"{path}: {family.name}{key}: no +Inf"
            assert h["buckets"][-1][1] == h["count"], f"{path}: {family.name}{key}: +Inf != _count"
            histograms += 1
    print(f"{path}: {len(families)} families, {histograms} histogram series: OK")


for p in sys.argv[1:]:
    check(p)
