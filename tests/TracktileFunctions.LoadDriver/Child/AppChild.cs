using System.Reflection;
using System.Text.Json;
using System.Text.Json.Nodes;
using Microsoft.Extensions.Configuration;
using Microsoft.Extensions.DependencyInjection;
using Microsoft.Extensions.Hosting;
using Microsoft.Extensions.Logging;
using Microsoft.Extensions.Logging.Console;
using TracktileFunctions.IntegrationTests.Infrastructure;
using TracktileFunctions.Sync;

namespace TracktileFunctions.LoadDriver.Child;

/// <summary>
/// The app's side of a run: the app's real service graph (<c>AddTracktileFunctions</c>) with its hosted services
/// started, its queue functions under the real queue extension (one WebJobs host each, host.json's queue options),
/// then, on <c>go</c>, one product batch run (<see cref="ProductSyncService.RunAsync"/>, as the timer starts it); with
/// <c>--rounds N</c>, N runs, each on its own <c>go</c> (the later ones from a <c>since</c> before every product).
/// The driver decides when the run is over (it sees the ERP and the queues); on <c>stop</c> this stops and reports
/// its memory.
/// </summary>
internal static class AppChild
{
    /// <summary>The app's Functions assembly, loaded by name so no function class is named here.</summary>
    public const string FunctionsAssembly = "TracktileFunctions";

    private static readonly TimeSpan WaitForStop = TimeSpan.FromHours(6); // the driver bounds the run itself
    private static readonly TimeSpan BackgroundStartWait = TimeSpan.FromSeconds(30);

    public static async Task RunAsync(ArgumentReader args, CommandReader commands, MemorySampler sampler)
    {
        var storage = args.Required("--storage");
        var values = new Dictionary<string, string?>(StringComparer.OrdinalIgnoreCase);
        foreach (var (key, value) in args.Settings())
        {
            values[key] = value;
        }

        // The harness's own settings last: they point the app at this run's storage and sandbox.
        values["AzureWebJobsStorage"] = storage;
        values["Tracktile:Api:BaseUrl"] = args.Required("--tracktile");
        values["Tracktile:Api:Token"] = args.Required("--token");
        values["Erp:BaseUrl"] = args.Required("--erp");
        var functionNames = args.All("--function");
        var logLevel = Enum.Parse<LogLevel>(args.Optional("--log-level") ?? nameof(LogLevel.Warning), ignoreCase: true);
        var rounds = args.OptionalInt("--rounds", 1) ?? 1; // more than one: each later round waits for its own go and reads every product again
        args.EnsureAllRead();

        var configuration = new ConfigurationBuilder().AddInMemoryCollection(values).Build();
        var services = new ServiceCollection()
            .AddSingleton<IConfiguration>(configuration)
            .AddLogging(logging =>
            {
                logging.SetMinimumLevel(logLevel);
                logging.AddFilter("System.Net.Http", LogLevel.Warning);
                logging.AddFilter("Polly", LogLevel.Warning);
                logging.AddSimpleConsole(o =>
                {
                    o.SingleLine = true;
                    o.TimestampFormat = "HH:mm:ss.fff ";
                });
            })
            .Configure<ConsoleLoggerOptions>(o => o.LogToStandardErrorThreshold = LogLevel.Trace); // stdout is the protocol
        services.AddTracktileFunctions(configuration);
        await using var app = services.BuildServiceProvider(new ServiceProviderOptions { ValidateOnBuild = true });

        // What the Functions worker starts with the app (e.g. the queue provisioner), before any trigger runs.
        var hosted = app.GetServices<IHostedService>().ToList();
        var hosts = new List<WebJobsQueueHost>();
        try
        {
            foreach (var service in hosted)
            {
                await service.StartAsync(CancellationToken.None).ConfigureAwait(false);
            }

            // The one start-up job (the queues exist before any trigger listens); the other background services run until stop.
            foreach (var provisioner in hosted.OfType<TracktileFunctions.Storage.QueueProvisioner>())
            {
                if (provisioner.ExecuteTask is { } task)
                {
                    await Task.WhenAny(task, Task.Delay(BackgroundStartWait)).ConfigureAwait(false);
                }
            }

            var assembly = Assembly.Load(FunctionsAssembly);
            var started = new JsonArray();
            foreach (var name in functionNames)
            {
                var function = IsolatedQueueFunction.Find(assembly, name);
                var host = await WebJobsQueueHost.StartAsync(function, app, storage, output: null).ConfigureAwait(false);
                hosts.Add(host);
                started.Add(new JsonObject { ["name"] = function.Name, ["queue"] = host.QueueName });
            }

            Protocol.Emit(Protocol.Ready, new JsonObject
            {
                ["functions"] = started,
                ["hostedServices"] = new JsonArray([.. hosted.Select(h => JsonValue.Create(h.GetType().Name))]),
            });

            var sync = app.GetRequiredService<ProductSyncService>();
            for (var round = 1; round <= rounds; round++)
            {
                await commands.WaitForAsync(Protocol.Go, ChildEntry.WaitForGo).ConfigureAwait(false);
                Protocol.Emit(Protocol.Started, Round(rounds, round)); // its time is the run's start
                var result = await sync.RunAsync(round == 1 ? null : DateTimeOffset.UnixEpoch, "load-driver", CancellationToken.None).ConfigureAwait(false);
                var returned = Round(rounds, round) ?? [];
                returned["result"] = JsonSerializer.SerializeToNode(result, JsonSerializerOptions.Web);
                Protocol.Emit(Protocol.BatchReturned, returned);
            }

            await commands.WaitForAsync(Protocol.Stop, WaitForStop).ConfigureAwait(false);
        }
        finally
        {
            for (var i = hosts.Count - 1; i >= 0; i--)
            {
                await hosts[i].DisposeAsync().ConfigureAwait(false);
            }

            using var stopping = new CancellationTokenSource(TimeSpan.FromSeconds(10));
            foreach (var service in hosted)
            {
                await service.StopAsync(stopping.Token).ConfigureAwait(false);
            }
        }

        Protocol.Emit(Protocol.Result, sampler.Report());
    }

    /// <summary>The round's number for its events, only when there are several (one round's events stay as they were).</summary>
    internal static JsonObject? Round(int rounds, int round) => rounds > 1 ? new JsonObject { ["round"] = round } : null;
}
