import Foundation

/// Colours of the index: cividis (Nuñez, Anderton and Renslow, PLOS ONE 2018), a sequential scale that
/// reads the same with the common colour-vision deficiencies and in greyscale. The text on each colour
/// is black or white, whichever contrasts more (WCAG 2 relative luminance).
enum Palette {
    /// cividis sampled at 0, 1/8, ... 1.
    static let stops: [(Double, Double, Double)] = [
        (0x00, 0x22, 0x4E), (0x12, 0x35, 0x70), (0x3B, 0x49, 0x6C), (0x57, 0x5D, 0x6D), (0x70, 0x71, 0x73),
        (0x8A, 0x87, 0x79), (0xA6, 0x9D, 0x75), (0xC4, 0xB5, 0x6C), (0xE4, 0xCF, 0x5B), (0xFE, 0xE8, 0x38),
    ].map { (Double($0.0), Double($0.1), Double($0.2)) }

    /// The background of an index 0...100.
    static func background(index: Double) -> (Double, Double, Double) {
        let position = min(max(index, 0), 100) / 100 * Double(stops.count - 1)
        let lower = Int(position.rounded(.down))
        let upper = min(lower + 1, stops.count - 1)
        let t = position - Double(lower)
        let a = stops[lower]
        let b = stops[upper]
        return (a.0 + (b.0 - a.0) * t, a.1 + (b.1 - a.1) * t, a.2 + (b.2 - a.2) * t)
    }

    static func hex(_ colour: (Double, Double, Double)) -> String {
        func two(_ value: Double) -> String {
            let text = String(Int(value.rounded()), radix: 16)
            return text.count == 1 ? "0" + text : text
        }
        return "#" + two(colour.0) + two(colour.1) + two(colour.2)
    }

    static func luminance(_ colour: (Double, Double, Double)) -> Double {
        func linear(_ channel: Double) -> Double {
            let c = channel / 255
            return c <= 0.039_28 ? c / 12.92 : pow((c + 0.055) / 1.055, 2.4)
        }
        return 0.2126 * linear(colour.0) + 0.7152 * linear(colour.1) + 0.0722 * linear(colour.2)
    }

    /// `background:…;color:…` for a cell of this index.
    static func style(index: Double) -> String {
        let colour = background(index: index)
        let l = luminance(colour)
        let onBlack = (l + 0.05) / 0.05
        let onWhite = 1.05 / (l + 0.05)
        return "background:\(hex(colour));color:\(onBlack >= onWhite ? "#000" : "#fff")"
    }
}
