module Sbp.Tests.Core.PlasticityTests

open Expecto
open FsCheck
open Sbp.Core.Numerics
open Sbp.Core.Plasticity
open Sbp.Tests.TestSupport

let private rand (rng: Rng) r c = Matrix(r, c, Array.init (r * c) (fun _ -> rng.NextSingle() * 2.0f - 1.0f))

/// ΔW[i, j] written element by element from the rule's formula.
let private naive rule (sf: Matrix) (sn: Matrix) (qf: Matrix) (qn: Matrix) batch (beta: float32) =
    Array.init (sf.Cols * qf.Cols) (fun idx ->
        let i, j = idx / qf.Cols, idx % qf.Cols
        let mutable acc = 0.0
        for b in 0 .. batch - 1 do
            let pf, pn, tf, tn = float sf[b, i], float sn[b, i], float qf[b, j], float qn[b, j]
            acc <-
                acc
                + match rule with
                  | BaseRule.Symmetric -> pn * tn - pf * tf
                  | BaseRule.Differential -> (pn - pf) * tf
                  | _ -> pf * (tn - tf)
        float32 (acc / float beta / float batch))

[<Tests>]
let tests =
    testList "Plasticity/rules and bounds" [
        property "contrastive STDP matches its formula element by element" <| fun (seed: uint64) (which: byte) ->
            let rng = Rng seed
            let rule = [| BaseRule.Symmetric; BaseRule.Differential; BaseRule.SbpBase |][int which % 3]
            let b, np, nq = 7, 5, 4
            let sf, sn, qf, qn = rand rng b np, rand rng b np, rand rng b nq, rand rng b nq
            let dw = Matrix(np, nq)
            ContrastiveStdp.Compute(rule, sf, sn, qf, qn, 6, 0.5f, dw, Array.zeroCreate (b * 5)) |> ignore
            Array.forall2 (fun (x: float32) y -> abs (x - y) < 1e-4f) dw.Data (naive rule sf sn qf qn 6 0.5f)

        property "weight bounds and Dale's law hold after any sequence of updates" <| fun (seed: uint64) (dale: bool) (steps: byte) ->
            let rng = Rng seed
            let c = WeightConstraints(System.Nullable -0.3f, System.Nullable 0.4f, dale, 3)
            let w = rand rng 8 6
            WeightBounds.Enforce(w, c)
            for _ in 0 .. int steps % 20 do
                let d = rand rng 8 6
                System.Numerics.Tensors.TensorPrimitives.Add(System.ReadOnlySpan w.Data, System.ReadOnlySpan d.Data, System.Span w.Data)
                WeightBounds.Enforce(w, c)
            WeightBounds.Holds(w, c)
            && (not dale || (w.Data[.. 5 * 6 - 1] |> Array.forall (fun x -> x >= 0.0f)) && (w.Data[5 * 6 ..] |> Array.forall (fun x -> x <= 0.0f)))

        testCase "spike-timing STDP: no spikes, no change; the window changes the change" <| fun () ->
            let sizes = [| 3; 2 |]
            let run (tau: float32) (states: Matrix list list) =
                let t = TraceStdp(sizes, 1, StdpWindow(TauPlusMs = tau, TauMinusMs = tau))
                t.BeginBatch()
                t.ResetTraces()
                for s in states.[0] do t.Step([| s; states.[1].[0] |], 1, Phase.Free) |> ignore
                for s in states.[0] do t.Step([| s; states.[1].[1] |], 1, Phase.Nudged) |> ignore
                let dw = Matrix(3, 2)
                t.Finish([| dw |], 1, 0.5f)
                dw.Data
            let silent = [ [ Matrix(1, 3); Matrix(1, 3) ]; [ Matrix(1, 2); Matrix(1, 2) ] ]
            Expect.isTrue (run 20.0f silent |> Array.forall ((=) 0.0f)) "silence"
            let active = [ [ Matrix(1, 3, [| 1.0f; 0.0f; 1.0f |]); Matrix(1, 3, [| 1.0f; 0.0f; 1.0f |]) ]; [ Matrix(1, 2, [| 0.0f; 1.0f |]); Matrix(1, 2, [| 1.0f; 0.0f |]) ] ]
            let a, b = run 20.0f active, run 2.0f active
            Expect.notEqual a b "τ matters"
            Expect.isGreaterThan a[0] 0.0f "input 0 → output 0, which starts firing under the nudge: potentiated"
            Expect.isLessThan a[1] 0.0f "input 0 → output 1, which stops firing: depressed"
            Expect.equal a[2] 0.0f "a silent input changes nothing"
    ]
