module Sbp.Tests.Core.LifTests

open Expecto
open FsCheck
open Sbp.Core.Neurons
open Sbp.Core.Numerics
open Sbp.Core.Reference
open Sbp.Tests.TestSupport

let private p = LifParameters()

[<Tests>]
let tests =
    testList "Core/LIF" [
        property "the vector step agrees with the scalar reference for every length 0..N" <| fun (len: byte) (seed: uint64) ->
            let n = int len
            let rng = Rng seed
            let rnd scale = Array.init n (fun _ -> (rng.NextSingle() * 2.0f - 1.0f) * scale)
            let current, g, v = rnd 2.0f, rnd 6.0f, rnd 0.3f
            let g2, v2 = Array.copy g, Array.copy v
            let fast = Lif.Step(p, current, g, v)
            let slow = ScalarLif.Step(p, current, g2, v2)
            fast = slow
            && Array.forall2 (fun (a: float32) b -> abs (a - b) < 1e-5f) g g2
            && Array.forall2 (fun (a: float32) b -> abs (a - b) < 1e-5f) v v2

        property "without synaptic conductance the voltage decays toward V_leak, never past it" <| fun (v0: NormalFloat) ->
            let v = [| float32 (v0.Get % 1.0) |]
            let g = [| 0.0f |]
            // I = −g_leak keeps g at 0: no conductance toward V_E
            let current = [| -p.LeakConductance |]
            let mutable ok = true
            for _ in 1 .. 50 do
                let before = v[0]
                let spikes = Lif.Step(p, current, g, v)
                if spikes = 0 then
                    ok <- ok && abs (v[0] - p.LeakReversal) <= abs (before - p.LeakReversal) + 1e-7f
                    ok <- ok && sign (v[0] - p.LeakReversal) * sign (before - p.LeakReversal) >= 0
            ok

        property "a spike always resets: every element over threshold after the step is at V_reset" <| fun (seed: uint64) ->
            let rng = Rng seed
            let n = 37
            let current = Array.init n (fun _ -> rng.NextSingle() * 20.0f)
            let g = Array.init n (fun _ -> rng.NextSingle() * 10.0f)
            let v = Array.init n (fun _ -> rng.NextSingle() * 0.2f)
            let spikes = Lif.Step(p, current, g, v)
            Array.forall (fun x -> x <= p.Threshold) v && spikes = (v |> Array.filter (fun x -> x = p.Reset) |> Array.length)

        testCase "invalid parameters are named" <| fun () ->
            let problems = LifParameters(DtMs = 5.0f).Problems() |> List.ofSeq
            Expect.exists problems (fun s -> s.Contains "dt") "dt ≥ τ_syn is refused"
    ]
