import Foundation

/// Small inline SVG charts for the status page: nothing loaded from anywhere, nothing run in the browser.
enum SVGChart {
    static let width = 240.0
    static let height = 48.0

    /// Room left at each side so that a point at either end is drawn whole.
    private static let inset = 4.0

    /// A line over per-minute values (nil where there is no value: the line breaks there), on a fixed
    /// scale `0…maximum` (nil: the largest value), labelled for screen readers and tooltips, with a
    /// small caption in its corner.
    static func line(_ values: [Double?], maximum: Double? = nil, label: String, caption: String, color: String) -> String {
        let top = maximum ?? max(values.compactMap { $0 }.max() ?? 1, 1e-9)
        let step = values.count > 1 ? (width - 2 * inset) / Double(values.count - 1) : 0
        var segments: [[(x: Double, y: Double)]] = [[]]
        for (index, value) in values.enumerated() {
            guard let value else {
                if !(segments.last ?? []).isEmpty { segments.append([]) }
                continue
            }
            let x = inset + Double(index) * step
            let y = height - inset - (min(value, top) / top) * (height - 2 * inset - 10)
            segments[segments.count - 1].append((x, y))
        }
        let lines = segments.filter { !$0.isEmpty }.map { points in
            points.count == 1
                ? "<circle cx=\"\(number(points[0].x))\" cy=\"\(number(points[0].y))\" r=\"3\" fill=\"\(color)\"/>"
                : "<polyline fill=\"none\" stroke=\"\(color)\" stroke-width=\"1.5\" points=\""
                    + points.map { "\(number($0.x)),\(number($0.y))" }.joined(separator: " ") + "\"/>"
        }
        let text = "<text x=\"\(inset)\" y=\"10\" font-size=\"9\" fill=\"#59636e\">\(HTML.escape(caption))</text>"
        return frame(label: label, body: text + lines.joined())
    }

    /// Bars over per-minute counts, with `highlight` counts drawn over them in a second colour.
    static func bars(_ values: [Int], highlight: [Int] = [], label: String, color: String, highlightColor: String) -> String {
        let top = Double(max(values.max() ?? 1, 1))
        let slot = width / Double(max(values.count, 1))
        var body = ""
        for (index, value) in values.enumerated() where value > 0 {
            let barHeight = Double(value) / top * (height - 2)
            body += rect(x: Double(index) * slot, y: height - barHeight, width: max(slot - 1, 1), height: barHeight, color: color)
            let over = index < highlight.count ? highlight[index] : 0
            if over > 0 {
                let overHeight = Double(over) / top * (height - 2)
                body += rect(x: Double(index) * slot, y: height - overHeight, width: max(slot - 1, 1), height: overHeight,
                             color: highlightColor)
            }
        }
        return frame(label: label, body: body)
    }

    /// Horizontal bars, one per named count (key usage).
    static func horizontalBars(_ items: [(name: String, count: Int)], color: String) -> String {
        let rowHeight = 18.0
        let top = Double(max(items.map(\.count).max() ?? 1, 1))
        let labelWidth = 150.0
        let barSpace = 260.0
        var body = ""
        for (index, item) in items.enumerated() {
            let y = Double(index) * rowHeight
            let barWidth = Double(item.count) / top * barSpace
            body += "<text x=\"0\" y=\"\(number(y + 13))\" font-size=\"12\">\(HTML.escape(item.name))</text>"
            body += rect(x: labelWidth, y: y + 3, width: max(barWidth, 1), height: 12, color: color)
            body += "<text x=\"\(number(labelWidth + barWidth + 6))\" y=\"\(number(y + 13))\" font-size=\"12\">\(item.count)</text>"
        }
        let totalHeight = max(Double(items.count) * rowHeight, rowHeight)
        return "<svg role=\"img\" aria-label=\"upstream calls per key\" width=\"460\" height=\"\(Int(totalHeight))\" "
            + "viewBox=\"0 0 460 \(Int(totalHeight))\">\(body)</svg>"
    }

    private static func rect(x: Double, y: Double, width: Double, height: Double, color: String) -> String {
        "<rect x=\"\(number(x))\" y=\"\(number(y))\" width=\"\(number(width))\" height=\"\(number(height))\" fill=\"\(color)\"/>"
    }

    /// One decimal is plenty for a 240-pixel chart.
    private static func number(_ value: Double) -> String { String((value * 10).rounded() / 10) }

    private static func frame(label: String, body: String) -> String {
        "<svg role=\"img\" aria-label=\"\(HTML.escape(label))\" width=\"\(Int(width))\" height=\"\(Int(height))\" "
            + "viewBox=\"0 0 \(Int(width)) \(Int(height))\"><title>\(HTML.escape(label))</title>"
            + "<rect width=\"100%\" height=\"100%\" fill=\"#f6f8fa\"/>\(body)</svg>"
    }
}

/// Text made safe to place in HTML.
enum HTML {
    static func escape(_ text: String) -> String {
        var escaped = ""
        escaped.reserveCapacity(text.utf8.count)
        for character in text {
            switch character {
            case "&": escaped += "&amp;"
            case "<": escaped += "&lt;"
            case ">": escaped += "&gt;"
            case "\"": escaped += "&quot;"
            case "'": escaped += "&#39;"
            default: escaped.append(character)
            }
        }
        return escaped
    }
}
