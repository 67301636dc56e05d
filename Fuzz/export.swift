// libFuzzer target: a backlog export file as it arrives on a USB stick, decoded and its presses dated.
import Foundation

@_cdecl("LLVMFuzzerTestOneInput")
public func fuzzExport(_ data: UnsafePointer<UInt8>, _ size: Int) -> CInt {
    guard let file = try? JSONDecoder().decode(ExportFile.self, from: Data(bytes: data, count: size)) else {
        return 0
    }
    _ = PressPlacement.offset(of: file.payload.clock, receivedAtHubMillis: 1_796_000_000_000)
    for press in file.payload.presses {
        _ = PressPlacement.place(press, bootOffsetMillis: PressPlacement.offset(of: press) ?? 0)
    }
    return 0
}
