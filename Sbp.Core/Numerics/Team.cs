using System.Diagnostics;
using System.Runtime.ExceptionServices;

namespace Sbp.Core.Numerics;

/// <summary>
/// The parallel regions of the models and kernels: part 0 on the calling thread, parts 1..n−1 on helper threads that
/// belong to the calling thread (created when first needed, kept for its later regions). Between regions a helper
/// spins for up to <see cref="SpinMicroseconds"/> before it sleeps, so that the next region of a batch finds it awake:
/// on a 2-core virtual machine, waking a sleeping thread pool worker took 0.07–0.27 ms, several times per batch
/// (docs/speed.md, "Waking the second thread"). While the helpers outnumber the other cores they sleep between regions
/// instead; a helper ends once the thread it belongs to has ended (looked at every 30 s while it sleeps). Which part
/// runs where never changes what a part computes: the kernels split their work so that any split gives the same bits.
/// </summary>
public static class Team
{
    /// <summary>How long an idle helper spins before it sleeps.</summary>
    public const int SpinMicroseconds = 2000;

    [ThreadStatic] private static Crew? t_crew;

    /// <summary>Runs body(0), …, body(parts − 1), each once, and returns when all have; rethrows the first part's exception.</summary>
    public static void For(int parts, Action<int> body)
    {
        ArgumentNullException.ThrowIfNull(body);
        if (parts <= 1)
        {
            if (parts == 1) body(0);
            return;
        }
        (t_crew ??= new Crew()).Run(parts, body);
    }

    /// <summary>The helpers of one calling thread and the region they are running.</summary>
    private sealed class Crew
    {
        private readonly List<Helper> _helpers = [];
        /// <summary>The thread whose regions this crew runs; its helpers end once it has ended.</summary>
        public readonly Thread Owner = Thread.CurrentThread;
        /// <summary>True while the helpers outnumber the other cores: then they sleep between regions instead of spinning.</summary>
        public bool Oversubscribed => Volatile.Read(ref _helperCount) > Environment.ProcessorCount - 1;
        private int _helperCount;
        private Action<int>? _body;
        private int _pending;
        private long _region;
        private ExceptionDispatchInfo? _error;
        private bool _running;

        public void Run(int parts, Action<int> body)
        {
            // a region opened inside a part run on this thread: its parts in turn, here (a part on a helper thread
            // opens regions on that thread's own crew)
            if (_running)
            {
                for (int i = 0; i < parts; i++) body(i);
                return;
            }
            _running = true;
            try
            {
                while (_helpers.Count < parts - 1) _helpers.Add(new Helper(this, _helpers.Count + 1));
                Volatile.Write(ref _helperCount, _helpers.Count);
                (_body, _error) = (body, null);
                Volatile.Write(ref _pending, parts - 1);
                long region = ++_region;
                // only the helpers with a part get the region's number (each handed over with a full fence)
                for (int i = 0; i < parts - 1; i++) _helpers[i].Post(region);
                try { RunPart(0); }
                finally
                {
                    // every posted helper has finished its part before the caller goes on, whatever happened here
                    var wait = new SpinWait();
                    while (Volatile.Read(ref _pending) != 0) wait.SpinOnce(sleep1Threshold: -1);
                    _body = null;
                }
                var error = _error;
                _error = null;
                error?.Throw();
            }
            finally { _running = false; }
        }

        /// <summary>Runs part <paramref name="index"/> of the current region; an exception is kept for the caller.</summary>
        public void RunPart(int index)
        {
            try { _body!(index); }
            catch (Exception e) { Interlocked.CompareExchange(ref _error, ExceptionDispatchInfo.Capture(e), null); }
        }

        public void Done() => Interlocked.Decrement(ref _pending);
    }

    /// <summary>One helper thread: waits for a region (spinning, then asleep), runs its part, waits again.</summary>
    private sealed class Helper
    {
        private readonly Crew _crew;
        private readonly int _index;
        private readonly ManualResetEventSlim _wake = new(false, spinCount: 1);
        private long _ticket;
        private int _asleep;

        public Helper(Crew crew, int index)
        {
            (_crew, _index) = (crew, index);
            // no captured execution context: a part runs as under Parallel.For, not in its first caller's context
            new Thread(Loop) { IsBackground = true, Name = $"Sbp team helper {index}" }.UnsafeStart();
        }

        /// <summary>Hands this helper region number <paramref name="region"/>, waking it if it sleeps.</summary>
        public void Post(long region)
        {
            // the exchange is a full fence: either the helper sees the ticket or this sees it asleep
            Interlocked.Exchange(ref _ticket, region);
            if (Volatile.Read(ref _asleep) == 1) _wake.Set();
        }

        private void Loop()
        {
            // a ticket of −1: the owning thread has ended, and with it every region this helper could be given
            for (long seen = NextTicket(0); seen >= 0; seen = NextTicket(seen))
            {
                _crew.RunPart(_index);
                _crew.Done();
            }
        }

        private long NextTicket(long seen)
        {
            long start = Stopwatch.GetTimestamp();
            long budget = _crew.Oversubscribed ? 0 : Stopwatch.Frequency * SpinMicroseconds / 1_000_000;
            do
            {
                for (int i = 0; i < 64; i++)
                {
                    long t = Volatile.Read(ref _ticket);
                    if (t != seen) return t;
                    Thread.SpinWait(8);
                }
            }
            while (Stopwatch.GetTimestamp() - start <= budget);
            while (true)
            {
                _wake.Reset();
                // the exchange is a full fence: either the caller sees this helper asleep or this sees its ticket
                Interlocked.Exchange(ref _asleep, 1);
                if (Volatile.Read(ref _ticket) == seen && !_wake.Wait(30_000) && !_crew.Owner.IsAlive) return -1;
                Interlocked.Exchange(ref _asleep, 0);
                long t = Volatile.Read(ref _ticket);
                if (t != seen) return t;
            }
        }
    }
}
