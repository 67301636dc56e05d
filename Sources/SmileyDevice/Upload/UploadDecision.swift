/// What the uploader does with a batch the hub did not store, following docs/protocol.md's table.
public enum UploadDecision: Sendable, Hashable {
    /// 413: the batch was too large; send the same presses in batches of at most this many.
    case sendSmaller(limit: Int)
    /// The hub refused one press by name (`presses[i]…`) with a 4xx that a retry cannot change:
    /// set that press aside (kept, reported) and send the rest.
    case setAside(index: Int)
    /// Hub trouble (5xx, 408, 429, no answer), or a refusal of the batch as a whole (unknown device,
    /// another centre, a token that needs fixing): keep everything and try again later with backoff.
    case retryLater

    public init(status: Int, message: String, batchCount: Int) {
        switch status {
        case 413:
            self = batchCount > 1 ? .sendSmaller(limit: batchCount / 2) : .setAside(index: 0)
        case 400..<500 where ![401, 403, 408, 429].contains(status):
            if let index = Self.namedPress(in: message), index < batchCount {
                self = .setAside(index: index)
            } else {
                self = .retryLater
            }
        default:
            self = .retryLater
        }
    }

    /// The index `i` of a hub message that starts `presses[i]` (the hub names the offending press so).
    static func namedPress(in message: String) -> Int? {
        guard message.hasPrefix("presses["), let close = message.firstIndex(of: "]") else { return nil }
        let digits = message[message.index(message.startIndex, offsetBy: 8)..<close]
        guard !digits.isEmpty, digits.count <= 6, digits.allSatisfy(\.isASCII), let index = Int(digits), index >= 0
        else { return nil }
        return index
    }
}
