module Sbp.Tests.Core.SbpTests

open Expecto
open FsCheck
open FsCheck.FSharp
open Sbp.Core.Numerics
open Sbp.Core.Plasticity
open Sbp.Tests.TestSupport

/// A random network shape (2..4 weight layers of 1..12 neurons) with base changes of mixed sign.
type Changes = { Sizes: int[]; Deltas: Matrix[]; Seed: uint64 }

let private make (sizes: int[]) (seed: uint64) =
    let rng = Rng seed
    let deltas =
        Array.init (sizes.Length - 1) (fun l ->
            Matrix(sizes[l], sizes[l + 1], Array.init (sizes[l] * sizes[l + 1]) (fun _ -> if rng.NextInt 5 = 0 then 0.0f else rng.NextSingle() * 2.0f - 1.0f)))
    { Sizes = sizes; Deltas = deltas; Seed = seed }

type Arbitraries =
    static member Changes() : Arbitrary<Changes> =
        gen {
            let! layers = Gen.choose (3, 5)
            let! sizes = Gen.arrayOfLength layers (Gen.choose (1, 12))
            let! seed = Gen.choose (0, 1_000_000)
            return make sizes (uint64 seed)
        }
        |> Arb.fromGen

let private cfg = { fsConfig with arbitrary = [ typeof<Arbitraries> ] }
let private prop name body = testPropertyWithConfig cfg name body

let private copy (ds: Matrix[]) = ds |> Array.map (fun m -> m.Clone())

let private apply (p: SbpParameters) (c: Changes) =
    let out = copy c.Deltas
    SelfBackpropagation(c.Sizes).Apply(out, p, c.Sizes[.. c.Sizes.Length - 2] |> Array.map (fun n -> Array.create n 0.5f)) |> ignore
    out

let private data (ms: Matrix[]) = ms |> Array.map (fun m -> m.Data)

let private ratios (c: Changes) (out: Matrix[]) =
    [ for l in 0 .. c.Deltas.Length - 1 do
          for i in 0 .. c.Deltas[l].Data.Length - 1 do
              let b = c.Deltas[l].Data[i]
              if b <> 0.0f then out[l].Data[i] / b ]

[<Tests>]
let tests =
    testList "Plasticity/SBP" [
        testCase "the passes over a large ΔW give the same bits on 1, 2, 3 and 7 threads (depth 0, 1 and 2)" <| fun () ->
            // 784 x 500 is above the size at which the sums and writes split between threads, 500 x 131 below it (and
            // 131 rows, 131 columns: not multiples of the split's eight), 131 x 10 far below
            let c = make [| 784; 500; 131; 10 |] 7UL
            let pre = [| Array.create 784 0.3f; Array.create 500 0.5f; Array.create 131 0.2f |]
            for depth in [ 0; 1; 2 ] do
                let p = SbpParameters(Fraction = 0.4f, Depth = depth)
                let run threads =
                    let out = copy c.Deltas
                    SelfBackpropagation(c.Sizes, Threads = threads).Apply(out, p, pre) |> ignore
                    out |> Array.map (fun m -> Array.map System.BitConverter.SingleToInt32Bits m.Data)
                let one = run 1
                for threads in [ 2; 3; 7 ] do
                    Expect.isTrue (run threads = one) $"depth {depth}: {threads} threads"

        testProperty "lateral spread (depth 0) equals the plain loops of the equations, bit for bit, on layers up to 40 wide" <| fun (rows: byte) (cols: byte) (seed: uint64) ->
            let n, m = 1 + int rows % 40, 1 + int cols % 40
            let c = make [| n; m |] seed
            let p = SbpParameters(Fraction = 0.7f, Depth = 0)
            let out = apply p c
            // the oracle: row sums of P and D (j ascending), column sums of D (i ascending), N(r·v), factors, ΔW'
            let w = c.Deltas[0]
            let at i j = w.Data[i * m + j]
            let rowSum keep i = let mutable s = 0.0f in (for j in 0 .. m - 1 do if keep (at i j) then s <- s + at i j); s
            let colD j = let mutable s = 0.0f in (for i in 0 .. n - 1 do if at i j < 0.0f then s <- s + at i j); s
            let factor (lambda: float32) (v: float32[]) =
                let r = v |> Array.map (fun x -> p.Range * x)
                let mutable sum = 0.0f
                for x in r do sum <- sum + x
                r |> Array.map (fun x -> 1.0f + lambda * p.Fraction * (if sum <> 0.0f then x / sum else x))
            let aPlus = factor p.LambdaPre (Array.init n (rowSum (fun x -> x > 0.0f)))
            let aMinus = factor p.LambdaPre (Array.init n (fun i -> abs (rowSum (fun x -> x < 0.0f) i)))
            let cMinus = factor p.LambdaPost (Array.init m (fun j -> abs (colD j)))
            let expected =
                Array.init (n * m) (fun k ->
                    let i, j, v = k / m, k % m, w.Data[k]
                    if v > 0.0f then v * aPlus[i] elif v < 0.0f then v * ((aMinus[i] + cMinus[j]) / 2.0f) else v)
            Array.map System.BitConverter.SingleToInt32Bits out[0].Data = Array.map System.BitConverter.SingleToInt32Bits expected

        prop "with f = 0 the base change comes back exactly, at any depth" <| fun (c: Changes) (depth: byte) ->
            data (apply (SbpParameters(Fraction = 0.0f, Depth = int depth % 4)) c) = data c.Deltas

        prop "with every λ = 0 the base change comes back exactly" <| fun (c: Changes) ->
            data (apply (SbpParameters(LambdaPre = 0.0f, LambdaPost = 0.0f, LambdaBp = 0.0f, Depth = 2)) c) = data c.Deltas

        prop "never flips the sign of an element, and zero stays zero" <| fun (c: Changes) (depth: byte) ->
            let out = apply (SbpParameters(Fraction = 3.0f, Depth = int depth % 4)) c
            Array.forall2 (fun (b: float32[]) (o: float32[]) -> Array.forall2 (fun x y -> sign x = sign y) b o) (data c.Deltas) (data out)

        prop "every factor lies in [1, 1 + λ·f]" <| fun (c: Changes) (f: byte) (depth: byte) (top: bool) ->
            let f = float32 f / 50.0f
            let p = SbpParameters(Fraction = f, Depth = int depth % 4, RangeMode = (if top then RangeMode.TopFraction else RangeMode.Reference), Range = 0.3f)
            let lambdaMax = max p.LambdaPre (max p.LambdaPost p.LambdaBp)
            ratios c (apply p c) |> List.forall (fun r -> r >= 1.0f - 1e-6f && r <= 1.0f + lambdaMax * f + 1e-5f)

        prop "post-lateral spread touches LTD only" <| fun (c: Changes) ->
            let out = apply (SbpParameters(LambdaPre = 0.0f, LambdaBp = 0.0f, LambdaPost = 1.0f, Fraction = 1.0f)) c
            Array.forall2 (fun (b: float32[]) (o: float32[]) -> Array.forall2 (fun x y -> x <= 0.0f || x = y) b o) (data c.Deltas) (data out)

        prop "depth 0 ignores downstream layers" <| fun (c: Changes) (seed: uint64) ->
            let p = SbpParameters(Depth = 0, Fraction = 1.0f)
            let other = make c.Sizes seed
            let mixed = Array.append [| c.Deltas[0] |] (other.Deltas[1..])
            let a, b = apply p c, apply p { c with Deltas = mixed }
            a[0].Data = b[0].Data

        prop "depth k equals depth k−1 unless the network has more than k weight layers" <| fun (c: Changes) ->
            let weightLayers = c.Deltas.Length
            let at k = data (apply (SbpParameters(Depth = k, Fraction = 1.0f)) c)
            [ 2 .. 5 ] |> List.forall (fun k -> weightLayers > k || at k = at (k - 1))

        testCase "depth k differs from depth k−1 with k + 1 weight layers" <| fun () ->
            for k in 1 .. 3 do
                let c = make (Array.create (k + 2) 6) (uint64 k)
                let at d = data (apply (SbpParameters(Depth = d, Fraction = 1.0f)) c)
                Expect.notEqual (at k) (at (k - 1)) $"depth {k} vs {k - 1} with {k + 1} weight layers"

        prop "replace mode ignores the hidden base changes and keeps the output layer's lateral change" <| fun (c: Changes) (seed: uint64) ->
            let p = SbpParameters(Mode = SbpMode.Replace, Depth = 5)
            let other = make c.Sizes seed
            let mixed = Array.append other.Deltas[.. c.Deltas.Length - 2] [| c.Deltas[c.Deltas.Length - 1] |]
            let a, b = apply p c, apply p { c with Deltas = mixed }
            let last = c.Deltas.Length - 1
            let modulated = apply (SbpParameters(Depth = 5)) c
            data a = data b && a[last].Data = modulated[last].Data

        testCase "replace mode beyond the depth leaves a layer unchanged at zero" <| fun () ->
            let c = make [| 4; 5; 6; 3 |] 4UL
            let out = apply (SbpParameters(Mode = SbpMode.Replace, Depth = 1)) c
            Expect.isTrue (out[0].Data |> Array.forall ((=) 0.0f)) "two layers up with depth 1"
            Expect.isTrue (out[1].Data |> Array.exists ((<>) 0.0f)) "one layer up is synthesised"

        testCase "a NaN in the base change becomes 0; the rest stays finite" <| fun () ->
            let c = make [| 5; 4; 3 |] 7UL
            c.Deltas[0].Data[3] <- nanf
            let out = apply (SbpParameters()) c
            Expect.equal out[0].Data[3] 0.0f "guarded"
            Expect.isTrue (out |> Array.forall (fun m -> m.Data |> Array.forall System.Single.IsFinite)) "finite"

        testCase "the top-fraction range amplifies only the ⌈r·n⌉ most-modified presynaptic rows" <| fun () ->
            let c = make [| 20; 7 |] 11UL
            let out = apply (SbpParameters(RangeMode = RangeMode.TopFraction, Range = 0.1f, LambdaPost = 0.0f)) c
            let changedRows =
                [ for i in 0 .. 19 do
                      if Array.exists2 (fun (x: float32) y -> x <> y) (c.Deltas[0].Row(i).ToArray()) (out[0].Row(i).ToArray()) then i ]
            Expect.isLessThanOrEqual changedRows.Length 4 "at most ⌈0.1·20⌉ rows for LTP and as many for LTD"
            Expect.isGreaterThan changedRows.Length 0 "some rows propagate"
    ]
