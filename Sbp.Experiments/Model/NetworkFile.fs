/// A network's inference state on disk, in the safetensors format (docs/networks.md): an 8-byte little-endian header
/// length n, n bytes of a JSON header (each tensor's dtype, shape and [begin, end) byte offsets into the data that
/// follows, and a `__metadata__` object of strings), then the tensors' bytes, little-endian, row-major, one after
/// the other without gaps. Read from Python with numpy alone, or with the `safetensors` package.
///
/// Reading trusts nothing in the file: a regular file of bounded size only; the header's length, every dtype, shape
/// and offset checked against the bytes there are; tensors that overlap or leave gaps refused; a key held twice
/// refused. Any fault is one line naming the file.
module Sbp.Experiments.NetworkFile

open System
open System.Buffers.Binary
open System.IO
open System.Runtime.InteropServices
open System.Text
open System.Text.Json
open System.Text.Json.Nodes
open Sbp.Core.Models
open Sbp.Core.Numerics

/// The values of one tensor, by the format's dtype.
type Values =
    /// "F32": weights, biases, neuron states, particles.
    | F32 of float32[]
    /// "U64": a random stream's state.
    | U64 of uint64[]

type Tensor = { Name: string; Shape: int list; Values: Values }

/// A file that is not a network this version can read, or does not fit the network it is loaded into.
type NetworkFileException(path: string, reason: string) =
    inherit IOException($"{path}: {reason}")
    member _.Path = path
    member _.Reason = reason

/// The most bytes a network file may hold (the limit on a network's weights and states is 1 GiB, Limits).
let maxBytes = 2L * 1024L * 1024L * 1024L
/// The most bytes its header may hold (the safetensors format's own limit).
let maxHeaderBytes = 100L * 1024L * 1024L

let private dtypeOf (v: Values) = match v with F32 _ -> "F32" | U64 _ -> "U64"
let private count (v: Values) = match v with F32 a -> a.Length | U64 a -> a.Length
let private bytesOf (v: Values) : ReadOnlySpan<byte> =
    match v with
    | F32 a -> MemoryMarshal.AsBytes(ReadOnlySpan a)
    | U64 a -> MemoryMarshal.AsBytes(ReadOnlySpan a)

/// A copy of a network's state arrays as they are now.
let snapshot (state: StateArray seq) =
    [ for a in state ->
          let values =
              match a with
              | :? SingleArray as s -> F32(Array.copy s.Data)
              | :? GeneratorArray as g ->
                  let words = Array.zeroCreate Rng.StateWords
                  g.Generator.CopyStateTo(Span words)
                  U64 words
              | _ -> invalidOp $"state array {a.Name}: unknown kind {a.GetType().Name}"
          { Name = a.Name; Shape = List.ofArray a.Shape; Values = values } ]

/// Puts `saved` into a network's state arrays. Every array of the network must be there under its name with its
/// dtype and shape, and `saved` must hold nothing else; otherwise the reasons (nothing is changed).
let restore (state: StateArray seq) (saved: Tensor list) =
    let state = List.ofSeq state
    let byName = saved |> List.map (fun t -> t.Name, t) |> Map.ofList
    let shape (s: int seq) = "[" + String.Join(", ", s) + "]"
    let problems =
        [ for a in state do
              match byName.TryFind a.Name, a with
              | None, _ -> $"tensor '{a.Name}' is missing"
              | Some t, _ when t.Shape <> List.ofArray a.Shape -> $"tensor '{a.Name}' has shape {shape t.Shape}; the network's is {shape a.Shape}"
              | Some { Values = F32 v }, (:? SingleArray) when not (Array.forall Single.IsFinite v) ->
                  $"tensor '{a.Name}' holds a non-finite value at index {Array.findIndex (Single.IsFinite >> not) v}"
              | Some { Values = F32 _ }, (:? SingleArray) -> ()
              | Some { Values = U64 w }, (:? GeneratorArray) when Array.forall ((=) 0UL) w -> $"tensor '{a.Name}' is the all-zero state, which no random stream reaches"
              | Some { Values = U64 _ }, (:? GeneratorArray) -> ()
              | Some t, _ -> $"tensor '{a.Name}' has dtype {dtypeOf t.Values}, not the network's"
          let names = state |> List.map (fun a -> a.Name) |> set
          for t in saved do
              if not (names.Contains t.Name) then $"tensor '{t.Name}' is not part of this network" ]
    if not problems.IsEmpty then Error problems
    else
        for a in state do
            match byName[a.Name].Values, a with
            | F32 v, (:? SingleArray as s) -> Array.blit v 0 s.Data 0 v.Length
            | U64 w, (:? GeneratorArray as g) -> g.Generator.RestoreState(ReadOnlySpan w)
            | _ -> ()
        Ok()

/// The file's bytes: header length, header (padded with spaces to a multiple of 8 bytes), tensors in the given order.
let private encode (metadata: (string * string) list) (tensors: Tensor list) =
    let header = JsonObject()
    let meta = JsonObject()
    for k, v in metadata do meta[k] <- JsonValue.Create v
    header["__metadata__"] <- meta
    let mutable offset = 0L
    for t in tensors do
        let size = int64 (bytesOf t.Values).Length
        let entry = JsonObject()
        entry["dtype"] <- JsonValue.Create(dtypeOf t.Values)
        entry["shape"] <- JsonArray([| for d in t.Shape -> JsonValue.Create d :> JsonNode |])
        entry["data_offsets"] <- JsonArray(JsonValue.Create offset, JsonValue.Create(offset + size))
        header[t.Name] <- entry
        offset <- offset + size
    let text = header.ToJsonString()
    let raw = Encoding.UTF8.GetBytes text
    let padded = (raw.Length + 7) / 8 * 8
    let bytes = Array.create padded (byte ' ')
    raw.CopyTo(bytes, 0)
    bytes, offset

/// Writes a network file atomically (a temporary file beside it, then a rename): a reader never sees half a file.
let write (path: string) (metadata: (string * string) list) (tensors: Tensor list) =
    let header, dataBytes = encode metadata tensors
    if 8L + int64 header.Length + dataBytes > maxBytes then
        raise (NetworkFileException(path, $"the network needs {8L + int64 header.Length + dataBytes} bytes, more than the {maxBytes} a network file may hold"))
    let full = Path.GetFullPath path
    if Directory.Exists full then raise (IOException $"{full} is a folder, not a file")
    let tmp = $"{full}.tmp-{Environment.ProcessId}-{Guid.NewGuid():N}"
    try
        do
            use s = new FileStream(tmp, FileMode.CreateNew, FileAccess.Write)
            let length = Array.zeroCreate<byte> 8
            BinaryPrimitives.WriteUInt64LittleEndian(Span length, uint64 header.Length)
            s.Write(length, 0, 8)
            s.Write(header, 0, header.Length)
            for t in tensors do
                if BitConverter.IsLittleEndian then s.Write(bytesOf t.Values)
                else invalidOp "writing a network file needs a little-endian machine"
        File.Move(tmp, full, true)
    finally
        if File.Exists tmp then (try File.Delete tmp with _ -> ())

/// Reads a network file: its metadata (string values) and tensors in the order of their offsets.
let read (path: string) =
    let fail (reason: string) = raise (NetworkFileException(path, reason))
    let size = Files.requireRegular maxBytes path
    if size < 8L then fail $"holds {size} bytes; a network file starts with an 8-byte header length (truncated, or not a safetensors file)"
    use s = new FileStream(path, FileMode.Open, FileAccess.Read, FileShare.Read)
    let readExactly (n: int) =
        let buffer = Array.zeroCreate<byte> n
        s.ReadExactly(buffer, 0, n)
        buffer
    let headerLength = BinaryPrimitives.ReadUInt64LittleEndian(ReadOnlySpan(readExactly 8))
    if headerLength > uint64 maxHeaderBytes then fail $"declares a header of {headerLength} bytes, more than the format's {maxHeaderBytes} (not a safetensors file)"
    if int64 headerLength > size - 8L then fail $"declares a header of {headerLength} bytes but holds {size - 8L} after its length (truncated)"
    let dataLength = size - 8L - int64 headerLength
    let header =
        try (RunRecord.parseStrict (Encoding.UTF8.GetString(readExactly (int headerLength)))).AsObject()
        with
        | :? JsonException | :? InvalidOperationException | :? ArgumentException as e ->
            let why = e.Message.Replace(Environment.NewLine, " ")
            fail $"its header is not a JSON object: {why}"
    let metadata =
        match header["__metadata__"] with
        | null -> []
        | :? JsonObject as m ->
            [ for kv in m ->
                  match kv.Value with
                  | :? JsonValue as v when v.GetValueKind() = JsonValueKind.String -> kv.Key, v.GetValue<string>()
                  | _ -> fail $"__metadata__.{kv.Key} is not a string (the format's metadata holds strings only)" ]
        | _ -> fail "__metadata__ is not an object"
    let entries =
        [ for kv in header do
              if kv.Key <> "__metadata__" then
                  let at = $"tensor '{kv.Key}'"
                  let o = match kv.Value with :? JsonObject as o -> o | _ -> fail $"{at} is not an object"
                  let field (k: string) = match o[k] with null -> fail $"{at}: field '{k}' is missing" | n -> n
                  let integers (k: string) =
                      match field k with
                      | :? JsonArray as a ->
                          [ for n in a ->
                                match n with
                                | :? JsonValue as v when v.GetValueKind() = JsonValueKind.Number ->
                                    match v.TryGetValue<int64>() with
                                    | true, x when x >= 0L -> x
                                    | _ -> fail $"{at}: {k} holds {v.ToJsonString()}; expected integers ≥ 0"
                                | _ -> fail $"{at}: {k} holds a non-number" ]
                      | _ -> fail $"{at}: {k} is not an array"
                  let dtype =
                      match field "dtype" with
                      | :? JsonValue as v when v.GetValueKind() = JsonValueKind.String -> v.GetValue<string>()
                      | _ -> fail $"{at}: dtype is not a string"
                  let width =
                      match dtype with
                      | "F32" -> 4L
                      | "U64" -> 8L
                      | d -> fail $"{at} has dtype {d}; this version reads F32 and U64"
                  let shape = integers "shape"
                  let offsets = integers "data_offsets"
                  if offsets.Length <> 2 then fail $"{at}: data_offsets holds {offsets.Length} numbers; expected [begin, end]"
                  let b, e = offsets[0], offsets[1]
                  if shape |> List.exists (fun d -> d > int64 Int32.MaxValue) then fail $"{at}: a dimension beyond {Int32.MaxValue}"
                  let elements = shape |> List.fold (fun acc d -> if acc > maxBytes then acc else acc * d) 1L
                  if e - b > int64 Int32.MaxValue - 64L then fail $"{at}: {e - b} bytes, more than one tensor may hold"
                  if e < b || e > dataLength then fail $"{at}: data_offsets [{b}, {e}] lie outside the {dataLength} bytes of data (truncated?)"
                  if elements * width <> e - b then fail $"{at}: shape {shape} of {dtype} needs {elements * width} bytes; data_offsets give {e - b}"
                  kv.Key, dtype, (shape |> List.map int), b, e ]
        |> List.sortBy (fun (_, _, _, b, e) -> b, e)
    // the tensors must tile the data: no overlap, no gap, nothing after the last
    let mutable expected = 0L
    for name, _, _, b, e in entries do
        if b <> expected then fail $"tensor '{name}' starts at byte {b} of the data; expected {expected} (tensors overlap or leave a gap)"
        expected <- e
    if expected <> dataLength then fail $"the tensors cover {expected} of the {dataLength} bytes of data (bytes left over)"
    let tensors =
        [ for name, dtype, shape, b, e in entries ->
              let bytes = readExactly (int (e - b))
              let values =
                  match dtype with
                  | "F32" -> F32(Array.init (bytes.Length / 4) (fun i -> BinaryPrimitives.ReadSingleLittleEndian(ReadOnlySpan(bytes, 4 * i, 4))))
                  | _ -> U64(Array.init (bytes.Length / 8) (fun i -> BinaryPrimitives.ReadUInt64LittleEndian(ReadOnlySpan(bytes, 8 * i, 8))))
              { Name = name; Shape = shape; Values = values } ]
    metadata, tensors
