"""Reads /mnt/s3/data/measurements.csv and writes per-sensor statistics to /mnt/s3/results/."""

import csv
import json
import os
from collections import defaultdict

BUCKET = os.environ.get("BUCKET_PATH", "/mnt/s3")

readings = defaultdict(list)
with open(f"{BUCKET}/data/measurements.csv", newline="") as source:
    for row in csv.DictReader(source):
        readings[row["sensor"]].append(float(row["value"]))

summary = {
    sensor: {
        "count": len(values),
        "mean": round(sum(values) / len(values), 3),
        "min": min(values),
        "max": max(values),
    }
    for sensor, values in sorted(readings.items())
}

os.makedirs(f"{BUCKET}/results", exist_ok=True)
with open(f"{BUCKET}/results/summary.json", "w") as target:
    json.dump(summary, target, indent=2)
    target.write("\n")
print(f"Summarised {sum(s['count'] for s in summary.values())} readings from {len(summary)} sensors")
