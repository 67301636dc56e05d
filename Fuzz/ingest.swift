// libFuzzer target: an ingest batch as a device (or an attacker with a device token) sends it, decoded and
// dated the way the hub dates it. Built with the SmileyCore sources by scripts/fuzz.sh. The hub's fast
// reader of the body is checked against JSONDecoder on every input: a batch it takes must be the batch
// JSONDecoder decodes.
import Foundation

@_cdecl("LLVMFuzzerTestOneInput")
public func fuzzIngest(_ data: UnsafePointer<UInt8>, _ size: Int) -> CInt {
    let bytes = Data(bytes: data, count: size)
    let decoded = try? JSONDecoder().decode(IngestBatch.self, from: bytes)
    if let fast = bytes.withUnsafeBytes({ IngestBatch.fastDecoded(from: $0) }), fast != decoded {
        fatalError("the fast reader decoded \(fast), JSONDecoder \(String(describing: decoded))")
    }
    guard let batch = decoded else {
        return 0
    }
    let hubNow: Int64 = 1_796_000_000_000
    if let sample = batch.clock { _ = PressPlacement.offset(of: sample, receivedAtHubMillis: hubNow) }
    let bucketer = HourBucketer(timeZone: TimeZone(identifier: "Asia/Thimphu")!)
    for press in batch.presses {
        let offset = PressPlacement.offset(of: press)
        if let millis = PressPlacement.place(press, bootOffsetMillis: offset ?? 0).millis {
            _ = bucketer.localHour(ofMillis: millis)
        }
    }
    return 0
}
