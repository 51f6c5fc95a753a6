#!/usr/bin/env bash
# Renders the README's pictures (docs/images/) from the sample model and
# images: otsuki2024 overlays and heatmaps (heat-quantized, 8 levels) and
# epsilon-plus-flat heatmaps. Usage: tools/render_docs.sh [build/onnx-lrp]
set -euo pipefail
cd "$(dirname "$0")/.."
cli=${1:-build/onnx-lrp}
tmp=$(mktemp -d)
trap 'rm -rf "$tmp"' EXIT
picks="00-tshirt-0 01-trouser-0 03-dress-0 05-sandal-0 08-bag-0 09-ankleboot-0"
for s in $picks; do echo "samples/images/$s.png"; done > "$tmp/list.txt"
"$cli" explain samples/fashion-resnet-bn.onnx "@$tmp/list.txt" -o "$tmp/otsuki" \
    --preset otsuki2024 --quantize 8 > /dev/null
"$cli" explain samples/fashion-resnet.onnx "@$tmp/list.txt" -o "$tmp/epf" > /dev/null
mkdir -p docs/images
for s in $picks; do
    cp "$tmp/otsuki/$s.overlay.png" "docs/images/$s.otsuki2024.overlay.png"
    cp "$tmp/otsuki/$s.heatmap.png" "docs/images/$s.otsuki2024.heatmap.png"
    cp "$tmp/epf/$s.heatmap.png" "docs/images/$s.epsilon-plus-flat.heatmap.png"
done
echo "docs/images: $(ls docs/images | wc -l) pictures"
