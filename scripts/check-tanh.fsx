// Checks Sbp.Core.Numerics.Tanh against System.Numerics.Tensors' TensorPrimitives.Tanh for every one of the 2³²
// single-precision values (in spans of 2²⁰, and again in spans of every length from 1 to 15, which take the other
// register widths or the C library), and prints the values where they differ. A few minutes on 2 cores. Build first:
//   dotnet build -c Release Sbp.Experiments && dotnet fsi scripts/check-tanh.fsx
#r "../Sbp.Experiments/bin/Release/net10.0/Sbp.Core.dll"
#r "../Sbp.Experiments/bin/Release/net10.0/System.Numerics.Tensors.dll"
open System
open System.Numerics.Tensors

let chunk = 1 <<< 20
let differ = Collections.Concurrent.ConcurrentQueue<uint32>()
let watch = Diagnostics.Stopwatch.StartNew()
Threading.Tasks.Parallel.For(0, int ((1L <<< 32) / int64 chunk), fun c ->
    let x = Array.init chunk (fun i -> BitConverter.UInt32BitsToSingle(uint32 (int64 c * int64 chunk + int64 i)))
    let expected, ours = Array.zeroCreate<float32> chunk, Array.zeroCreate<float32> chunk
    TensorPrimitives.Tanh(ReadOnlySpan x, Span expected)
    Sbp.Core.Numerics.Tanh.Compute(ReadOnlySpan x, Span ours)
    // short spans take other register widths (or the C library's tanhf below 4 values): every length 1..15, in turn
    for start in 0 .. 15 .. chunk - 15 do
        let len = 1 + (start / 15) % 15
        let e, o = Array.zeroCreate<float32> len, Array.zeroCreate<float32> len
        TensorPrimitives.Tanh(ReadOnlySpan(x, start, len), Span e)
        Sbp.Core.Numerics.Tanh.Compute(ReadOnlySpan(x, start, len), Span o)
        for i in 0 .. len - 1 do
            if BitConverter.SingleToUInt32Bits e[i] <> BitConverter.SingleToUInt32Bits o[i] && not (Single.IsNaN e[i] && Single.IsNaN o[i]) then
                differ.Enqueue(BitConverter.SingleToUInt32Bits x[start + i])
    for i in 0 .. chunk - 1 do
        if BitConverter.SingleToUInt32Bits expected[i] <> BitConverter.SingleToUInt32Bits ours[i] && not (Single.IsNaN expected[i] && Single.IsNaN ours[i]) then
            differ.Enqueue(BitConverter.SingleToUInt32Bits x[i])) |> ignore
printfn "2^32 values checked in %.0f s: %d differ" watch.Elapsed.TotalSeconds differ.Count
for b in differ |> Seq.truncate 10 do printfn "  x = %g (0x%08x)" (BitConverter.UInt32BitsToSingle b) b
exit (if differ.IsEmpty then 0 else 1)
