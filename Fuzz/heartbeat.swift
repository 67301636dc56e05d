// libFuzzer target: a heartbeat as a device sends it, decoded, its clock reading turned into an offset.
import Foundation

@_cdecl("LLVMFuzzerTestOneInput")
public func fuzzHeartbeat(_ data: UnsafePointer<UInt8>, _ size: Int) -> CInt {
    guard let heartbeat = try? JSONDecoder().decode(Heartbeat.self, from: Data(bytes: data, count: size)) else {
        return 0
    }
    _ = PressPlacement.offset(of: heartbeat.clock, receivedAtHubMillis: 1_796_000_000_000)
    return 0
}
