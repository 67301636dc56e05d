/// Text a device sent, made safe to print on an administrator's terminal: control characters (escape
/// sequences, CR and LF that could forge lines) and bidirectional overrides are shown as `\u{..}`.
public enum TerminalText {
    public static func neutralised(_ text: String) -> String {
        var result = ""
        result.unicodeScalars.reserveCapacity(text.unicodeScalars.count)
        for scalar in text.unicodeScalars {
            if isControl(scalar) {
                result += escape(scalar)
            } else {
                result.unicodeScalars.append(scalar)
            }
        }
        return result
    }

    /// C0 and C1 controls, DEL, line and paragraph separators, and the bidirectional embeddings,
    /// overrides and isolates (which can make a line read differently from what it holds).
    public static func isControl(_ scalar: Unicode.Scalar) -> Bool {
        switch scalar.value {
        case 0x00...0x1F, 0x7F...0x9F, 0x2028, 0x2029, 0x200E, 0x200F, 0x202A...0x202E, 0x2066...0x2069: true
        default: false
        }
    }

    /// `\u{1b}`: at least two lowercase hex digits.
    public static func escape(_ scalar: Unicode.Scalar) -> String {
        let hex = String(scalar.value, radix: 16)
        return "\\u{" + (hex.count < 2 ? "0" + hex : hex) + "}"
    }
}
