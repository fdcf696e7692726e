using System.Collections.Concurrent;
using System.ComponentModel;
using System.Diagnostics;
using System.Globalization;
using System.Text;
using System.Text.Json.Nodes;

namespace TracktileFunctions.Sandbox.Shopify;

/// <summary>
/// Validates GraphQL documents against Shopify's published Admin API schema, per API version, by talking to one
/// long-lived <c>node tests/tools/shopify/validate.mjs --serve</c> (graphql-js; newline-delimited JSON on stdio).
/// Besides schema validation and variable coercion it checks the 2026-04 runtime rules the schema cannot express
/// (<c>@idempotent</c> on the inventory/refund mutations, <c>changeFromQuantity</c> present) and computes Shopify's
/// requested query cost; validate.mjs documents the rules and error codes.
/// Thread-safe: concurrent callers are multiplexed by request id. The schema files come from <c>bash tests/test.sh</c>.
/// </summary>
public sealed class ShopifySchema : IAsyncDisposable
{
    private const string MissingSchemaHint =
        "run `bash tests/test.sh` once: it fetches Shopify's Admin schema into tests/tools/shopify-schema/";

    private static readonly Lazy<string> Root = new(FindRepositoryRoot, LazyThreadSafetyMode.ExecutionAndPublication);
    private static readonly Lazy<ShopifySchema> SharedInstance = new(() => new ShopifySchema(), LazyThreadSafetyMode.ExecutionAndPublication);

    private readonly SemaphoreSlim _startLock = new(1, 1);
    private readonly TimeSpan _timeout;
    private Worker? _worker;
    private long _nextId;
    private int _disposed;

    /// <summary>A validator with its own node process; most callers want <see cref="Shared"/>.</summary>
    /// <param name="timeout">How long one validation may take (the first one per version loads the schema, about 1 s).</param>
    public ShopifySchema(TimeSpan? timeout = null)
    {
        _timeout = timeout ?? TimeSpan.FromSeconds(60);
    }

    /// <summary>One validator (one node process) per test process, started on first use. Not to be disposed by callers.</summary>
    public static ShopifySchema Shared => SharedInstance.Value;

    /// <summary>The directory holding TracktileFunctions.sln, found by walking up from the app's base directory.</summary>
    public static string RepositoryRoot => Root.Value;

    /// <summary>Where tests/test.sh puts the schema files (<c>admin_&lt;version&gt;.json.gz</c>).</summary>
    public static string SchemaDirectory => Path.Combine(RepositoryRoot, "tests", "tools", "shopify-schema");

    /// <summary>The API versions whose schema file is present, sorted (e.g. 2025-10 ... 2026-10, unstable).</summary>
    public static IReadOnlyList<string> Versions
    {
        get
        {
            if (!Directory.Exists(SchemaDirectory))
            {
                return [];
            }

            return Directory.EnumerateFiles(SchemaDirectory, "admin_*.json.gz")
                .Select(f => Path.GetFileName(f)["admin_".Length..^".json.gz".Length])
                .Order(StringComparer.Ordinal)
                .ToList();
        }
    }

    /// <summary>
    /// Validates <paramref name="query"/> with <paramref name="variables"/> against the Admin schema of
    /// <paramref name="version"/>. An unknown version is reported as an <c>UNKNOWN_API_VERSION</c> error, not thrown.
    /// </summary>
    /// <exception cref="InvalidOperationException">The schema files, graphql (npm) or node are missing, or node keeps dying.</exception>
    public async Task<ShopifyValidation> ValidateAsync(
        string version, string query, JsonObject? variables, string? operationName, CancellationToken ct = default)
    {
        ArgumentNullException.ThrowIfNull(version);
        ArgumentNullException.ThrowIfNull(query);
        ObjectDisposedException.ThrowIf(Volatile.Read(ref _disposed) != 0, this);

        var id = Interlocked.Increment(ref _nextId);
        var line = new JsonObject
        {
            ["id"] = id,
            ["version"] = version,
            ["query"] = query,
            ["variables"] = variables?.DeepClone(),
            ["operationName"] = operationName,
        }.ToJsonString();

        // The process is restarted once if it died (before or while answering this request).
        for (var attempt = 0; ; attempt++)
        {
            var worker = await GetWorkerAsync(ct).ConfigureAwait(false);
            try
            {
                return await worker.SendAsync(id, line, _timeout, ct).ConfigureAwait(false);
            }
            catch (WorkerDiedException) when (attempt == 0)
            {
                // Start a new process and send the request again.
            }
            catch (WorkerDiedException ex)
            {
                throw new InvalidOperationException($"The Shopify schema validator (node validate.mjs) died twice: {ex.Message}", ex);
            }
        }
    }

    /// <summary>Stops the node process.</summary>
    public async ValueTask DisposeAsync()
    {
        if (Interlocked.Exchange(ref _disposed, 1) != 0)
        {
            return;
        }

        await _startLock.WaitAsync().ConfigureAwait(false);
        try
        {
            _worker?.Dispose();
            _worker = null;
        }
        finally
        {
            _startLock.Release();
        }

        _startLock.Dispose();
    }

    private async Task<Worker> GetWorkerAsync(CancellationToken ct)
    {
        var current = Volatile.Read(ref _worker);
        if (current is { IsAlive: true })
        {
            return current;
        }

        await _startLock.WaitAsync(ct).ConfigureAwait(false);
        try
        {
            ObjectDisposedException.ThrowIf(Volatile.Read(ref _disposed) != 0, this);
            if (_worker is { IsAlive: true })
            {
                return _worker;
            }

            _worker?.Dispose();
            var started = Worker.Start();
            Volatile.Write(ref _worker, started);
            return started;
        }
        finally
        {
            _startLock.Release();
        }
    }

    private static string FindRepositoryRoot()
    {
        for (var dir = new DirectoryInfo(AppContext.BaseDirectory); dir is not null; dir = dir.Parent)
        {
            if (File.Exists(Path.Combine(dir.FullName, "TracktileFunctions.sln")))
            {
                return dir.FullName;
            }
        }

        throw new InvalidOperationException(
            $"TracktileFunctions.sln was not found in {AppContext.BaseDirectory} or any directory above it.");
    }

    private sealed class WorkerDiedException(string message) : Exception(message);

    /// <summary>One node process: a writer lock for stdin, a reader loop completing the callers' tasks by id.</summary>
    private sealed class Worker : IDisposable
    {
        private readonly Process _process;
        private readonly SemaphoreSlim _writeLock = new(1, 1);
        private readonly ConcurrentDictionary<long, TaskCompletionSource<ShopifyValidation>> _pending = new();
        private readonly ConcurrentQueue<string> _stderrTail = new();
        private volatile bool _dead;

        private Worker(Process process)
        {
            _process = process;
        }

        public bool IsAlive => !_dead && !_process.HasExited;

        public static Worker Start()
        {
            var root = RepositoryRoot;
            var script = Path.Combine(root, "tests", "tools", "shopify", "validate.mjs");
            if (Versions.Count == 0)
            {
                throw new InvalidOperationException($"No Shopify Admin schema in {SchemaDirectory}: {MissingSchemaHint}.");
            }

            if (!File.Exists(Path.Combine(root, "tests", "tools", "node_modules", "graphql", "package.json")))
            {
                throw new InvalidOperationException(
                    "The npm package graphql is not installed in tests/tools/node_modules: run `bash tests/test.sh` once " +
                    "(it runs npm ci there and fetches Shopify's Admin schema into tests/tools/shopify-schema/).");
            }

            var info = new ProcessStartInfo("node")
            {
                ArgumentList = { script, "--serve" },
                WorkingDirectory = Path.GetDirectoryName(script)!,
                RedirectStandardInput = true,
                RedirectStandardOutput = true,
                RedirectStandardError = true,
                UseShellExecute = false,
                CreateNoWindow = true,
                StandardInputEncoding = new UTF8Encoding(false),
                StandardOutputEncoding = new UTF8Encoding(false),
                StandardErrorEncoding = new UTF8Encoding(false),
            };

            Process process;
            try
            {
                process = Process.Start(info)
                    ?? throw new InvalidOperationException("node did not start (Process.Start returned null).");
            }
            catch (Win32Exception ex)
            {
                throw new InvalidOperationException(
                    "node was not found on PATH: install Node.js 20 or later (the Shopify schema validator runs on it).", ex);
            }

            var worker = new Worker(process);
            process.ErrorDataReceived += (_, e) => worker.OnStderr(e.Data);
            process.BeginErrorReadLine();
            _ = Task.Run(worker.ReadLoopAsync);
            return worker;
        }

        public async Task<ShopifyValidation> SendAsync(long id, string line, TimeSpan timeout, CancellationToken ct)
        {
            var tcs = new TaskCompletionSource<ShopifyValidation>(TaskCreationOptions.RunContinuationsAsynchronously);
            _pending[id] = tcs;
            try
            {
                if (_dead)
                {
                    throw new WorkerDiedException(DeathMessage());
                }

                await _writeLock.WaitAsync(ct).ConfigureAwait(false);
                try
                {
                    // Not cancellable once started: half a line would desynchronise the protocol.
                    await _process.StandardInput.WriteAsync((line + "\n").AsMemory(), CancellationToken.None).ConfigureAwait(false);
                    await _process.StandardInput.FlushAsync(CancellationToken.None).ConfigureAwait(false);
                }
                catch (IOException ex)
                {
                    MarkDead();
                    throw new WorkerDiedException($"{DeathMessage()} ({ex.Message})");
                }
                catch (ObjectDisposedException ex)
                {
                    MarkDead();
                    throw new WorkerDiedException($"{DeathMessage()} ({ex.Message})");
                }
                finally
                {
                    _writeLock.Release();
                }

                try
                {
                    return await tcs.Task.WaitAsync(timeout, ct).ConfigureAwait(false);
                }
                catch (TimeoutException ex)
                {
                    throw new TimeoutException(
                        $"The Shopify schema validator did not answer within {timeout.TotalSeconds:0.#} s. {StderrTail()}", ex);
                }
            }
            finally
            {
                _pending.TryRemove(id, out _);
            }
        }

        private async Task ReadLoopAsync()
        {
            try
            {
                while (await _process.StandardOutput.ReadLineAsync().ConfigureAwait(false) is { } line)
                {
                    if (line.Length == 0)
                    {
                        continue;
                    }

                    JsonNode? node;
                    try
                    {
                        node = JsonNode.Parse(line);
                    }
                    catch (System.Text.Json.JsonException)
                    {
                        OnStderr("stdout (not JSON): " + line);
                        continue;
                    }

                    var id = node?["id"]?.GetValueKind() == System.Text.Json.JsonValueKind.Number ? node["id"]!.GetValue<long>() : 0;
                    if (_pending.TryGetValue(id, out var tcs))
                    {
                        tcs.TrySetResult(Parse(node!));
                    }
                }
            }
            catch (IOException)
            {
                // The pipe broke: the process is gone; handled below.
            }
            catch (ObjectDisposedException)
            {
                // Disposed while reading.
            }

            MarkDead();
        }

        private static ShopifyValidation Parse(JsonNode node)
        {
            var errors = new List<ShopifyGraphqlError>();
            if (node["errors"] is JsonArray array)
            {
                foreach (var e in array)
                {
                    if (e is null)
                    {
                        continue;
                    }

                    errors.Add(new ShopifyGraphqlError(
                        e["message"]?.GetValue<string>() ?? "",
                        e["code"]?.GetValue<string>() ?? "",
                        e["locations"]?.DeepClone() as JsonArray));
                }
            }

            var cost = node["requestedQueryCost"] is JsonValue v && v.TryGetValue<int>(out var c) ? c : 0;
            return new ShopifyValidation(errors, cost);
        }

        private void MarkDead()
        {
            _dead = true;
            var message = DeathMessage();
            foreach (var (_, tcs) in _pending)
            {
                tcs.TrySetException(new WorkerDiedException(message));
            }
        }

        private string DeathMessage()
        {
            string exit;
            try
            {
                exit = _process.HasExited ? "exit code " + _process.ExitCode.ToString(CultureInfo.InvariantCulture) : "still running";
            }
            catch (InvalidOperationException)
            {
                exit = "unknown state";
            }

            return $"node validate.mjs stopped ({exit}). {StderrTail()}";
        }

        private string StderrTail()
            => _stderrTail.IsEmpty ? "" : "Its stderr ended with: " + string.Join(" | ", _stderrTail);

        private void OnStderr(string? line)
        {
            if (line is null)
            {
                return;
            }

            _stderrTail.Enqueue(line);
            while (_stderrTail.Count > 20 && _stderrTail.TryDequeue(out _))
            {
            }
        }

        public void Dispose()
        {
            _dead = true;
            try
            {
                if (!_process.HasExited)
                {
                    _process.Kill(entireProcessTree: true);
                }
            }
            catch (InvalidOperationException)
            {
                // Already gone.
            }

            _process.Dispose();
            _writeLock.Dispose();
            foreach (var (_, tcs) in _pending)
            {
                tcs.TrySetException(new ObjectDisposedException(nameof(ShopifySchema)));
            }
        }
    }
}

/// <summary>The outcome of <see cref="ShopifySchema.ValidateAsync"/>: Shopify-shaped errors and the requested query cost.</summary>
public sealed record ShopifyValidation(IReadOnlyList<ShopifyGraphqlError> Errors, int RequestedQueryCost)
{
    /// <summary>No error of any kind.</summary>
    public bool IsValid => Errors.Count == 0;
}

/// <summary>
/// One error: <paramref name="Code"/> is GRAPHQL_PARSE_FAILED, GRAPHQL_VALIDATION_FAILED, INVALID_VARIABLE,
/// IDEMPOTENCY_KEY_REQUIRED, CHANGE_FROM_QUANTITY_REQUIRED, UNKNOWN_API_VERSION, BAD_REQUEST or INTERNAL_ERROR.
/// <paramref name="Locations"/> is GraphQL's <c>[{"line":..,"column":..}]</c>, when known.
/// </summary>
public sealed record ShopifyGraphqlError(string Message, string Code, JsonArray? Locations);
