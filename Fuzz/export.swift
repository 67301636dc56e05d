// libFuzzer target: a backlog export file as it arrives on a USB stick, decoded and its presses dated.
import Foundation

@_cdecl("LLVMFuzzerTestOneInput")
public func fuzzExport(_ data: UnsafePointer<UInt8>, _ size: Int) -> CInt {
    // The envelope, then (as the hub does once the signature checks out) the signed payload bytes.
    let bytes = Data(bytes: data, count: size)
    let payloadBytes: Data
    if let file = try? JSONDecoder().decode(ExportFile.self, from: bytes) {
        payloadBytes = file.payload
    } else {
        payloadBytes = bytes
    }
    guard let payload = try? JSONDecoder().decode(ExportFile.Payload.self, from: payloadBytes) else { return 0 }
    _ = PressPlacement.offset(of: payload.clock, receivedAtHubMillis: 1_796_000_000_000)
    for press in payload.presses {
        _ = PressPlacement.place(press, bootOffsetMillis: PressPlacement.offset(of: press) ?? 0)
    }
    return 0
}
