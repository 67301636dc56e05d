import SmileyCore

/// Draws one hour x weekday heatmap as inline SVG: rows Monday..Sunday, columns 00..23 local time.
/// Colour is the satisfaction index (red 0 .. amber 50 .. green 100); the number is the press count.
struct HeatmapSVG {
    let heatmap: Heatmap
    let title: String

    static let cell = 28
    static let left = 44
    static let top = 22

    var svg: String {
        let width = Self.left + 24 * Self.cell + 4
        let height = Self.top + 7 * Self.cell + 4
        var parts: [String] = []
        parts.append(
            #"<svg xmlns="http://www.w3.org/2000/svg" class="heatmap" role="img" viewBox="0 0 \#(width) \#(height)" width="\#(width)" height="\#(height)" aria-label="\#(HTML.escape(title))">"#
        )
        for hour in 0..<24 {
            let x = Self.left + hour * Self.cell + Self.cell / 2
            parts.append(#"<text class="hour" x="\#(x)" y="15" text-anchor="middle">\#(hour)</text>"#)
        }
        for weekday in 1...7 {
            let y = Self.top + (weekday - 1) * Self.cell
            let name = Self.weekdayNames[weekday - 1]
            parts.append(#"<text class="day" x="4" y="\#(y + Self.cell / 2 + 4)">\#(name)</text>"#)
            for hour in 0..<24 {
                let x = Self.left + hour * Self.cell
                if let cell = heatmap.cell(weekday: weekday, hour: hour) {
                    let label = "\(name) \(Self.two(hour)):00-\(Self.two(hour)):59: \(cell.count) presses, index \(cell.index)"
                    parts.append(
                        #"<g class="cell" data-weekday="\#(weekday)" data-hour="\#(hour)" data-count="\#(cell.count)" data-index="\#(cell.index)"><title>\#(label)</title><rect x="\#(x + 1)" y="\#(y + 1)" width="\#(Self.cell - 2)" height="\#(Self.cell - 2)" rx="3" fill="\#(Self.colour(index: cell.index))"/><text x="\#(x + Self.cell / 2)" y="\#(y + Self.cell / 2 + 4)" text-anchor="middle">\#(cell.count)</text></g>"#
                    )
                } else {
                    parts.append(
                        #"<rect class="empty" x="\#(x + 1)" y="\#(y + 1)" width="\#(Self.cell - 2)" height="\#(Self.cell - 2)" rx="3"/>"#
                    )
                }
            }
        }
        parts.append("</svg>")
        return parts.joined()
    }

    static let weekdayNames = ["Mon", "Tue", "Wed", "Thu", "Fri", "Sat", "Sun"]

    static func two(_ value: Int) -> String { value < 10 ? "0\(value)" : "\(value)" }

    /// Red (0) through amber (50) to green (100), as an HSL hue.
    static func colour(index: Int) -> String {
        let hue = Int(Double(max(0, min(100, index))) * 1.2)
        return "hsl(\(hue), 70%, 55%)"
    }
}

enum HTML {
    static func escape(_ text: String) -> String {
        var escaped = ""
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
