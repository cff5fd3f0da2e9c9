// How long a short parallel region takes when it follows single-threaded work (docs/speed.md, "Waking the second
// thread"): a Parallel.For of two parts of 20 µs each, after a gap of 0 to 1000 µs of work on the calling thread,
// 2,000 times per gap; then the process's CPU time over one idle second after a region (an idle worker that spins
// shows up there). It measures the runtime's thread pool, whose spin limit is given in the environment and read as
// hexadecimal (46 = 70, the runtime's default; 2710 = 10000); Sbp's own regions (Sbp.Core/Numerics/Team.cs) do not
// use the thread pool and have no such setting:
//   DOTNET_ThreadPool_UnfairSemaphoreSpinLimit=46 dotnet fsi --optimize+ scripts/wake-latency.fsx
//   DOTNET_ThreadPool_UnfairSemaphoreSpinLimit=2710 dotnet fsi --optimize+ scripts/wake-latency.fsx
// Run it with nothing else on the machine; about 10 s.
open System
open System.Diagnostics
open System.Threading
open System.Threading.Tasks

let busy (microseconds: float) =
    let watch = Stopwatch.StartNew()
    while watch.Elapsed.TotalMicroseconds < microseconds do ()

let part = Action<int>(fun _ -> busy 20.0)
let limit = Environment.GetEnvironmentVariable "DOTNET_ThreadPool_UnfairSemaphoreSpinLimit"
printfn "spin limit: %s" (if isNull limit then "the runtime's default" else $"0x{limit} (environment)")
for gap in [ 0.0; 20.0; 100.0; 300.0; 1000.0 ] do
    let mutable total = 0.0
    for _ in 1 .. 2000 do
        busy gap
        let start = Stopwatch.GetTimestamp()
        Parallel.For(0, 2, part) |> ignore
        total <- total + Stopwatch.GetElapsedTime(start).TotalMicroseconds
    printfn "after %4.0f µs on one thread: the region of 2 x 20 µs took %6.1f µs (mean of 2,000)" gap (total / 2000.0)

let self = Process.GetCurrentProcess()
for _ in 1 .. 3 do
    self.Refresh()
    let before = self.TotalProcessorTime
    Parallel.For(0, 2, part) |> ignore
    Thread.Sleep 1000
    self.Refresh()
    printfn "process CPU time over the idle second after a region: %.1f ms" (self.TotalProcessorTime - before).TotalMilliseconds
