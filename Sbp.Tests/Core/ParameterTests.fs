module Sbp.Tests.Core.ParameterTests

open Expecto
open Sbp.Core.Models

[<Tests>]
let tests =
    testList "Core/Parameters" [
        testCase "parameter records with equal arrays are equal, whatever the array instances" <| fun () ->
            let a = SnnParameters(LayerSizes = [| 784; 40; 10 |], LearningRates = [| 0.1f; 0.05f |])
            let b = SnnParameters(LayerSizes = [| 784; 40; 10 |], LearningRates = [| 0.1f; 0.05f |])
            Expect.equal a b "equal records"
            Expect.equal (a.GetHashCode()) (b.GetHashCode()) "equal hashes"
            Expect.notEqual a (SnnParameters(LayerSizes = [| 784; 40; 10 |], LearningRates = [| 0.1f; 0.06f |])) "a different rate"
            Expect.notEqual a (SnnParameters(LayerSizes = [| 784; 40; 10 |], LearningRates = [| 0.1f; 0.05f |], Beta = 0.4f)) "a different scalar"
            Expect.equal (EqPropParameters(LayerSizes = [| 5; 3; 2 |])) (EqPropParameters(LayerSizes = [| 5; 3; 2 |])) "eqprop"
            Expect.notEqual (EqPropParameters(LayerSizes = [| 5; 3; 2 |])) (EqPropParameters(LayerSizes = [| 5; 4; 2 |])) "eqprop sizes"
            Expect.equal (SmlpParameters(LayerSizes = [| 5; 3; 2 |])) (SmlpParameters(LayerSizes = [| 5; 3; 2 |])) "smlp"
            Expect.notEqual (SmlpParameters(EnergyWeight = 0.1f)) (SmlpParameters()) "smlp energy"
    ]
