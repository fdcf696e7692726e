using System.Text.Json;
using System.Text.Json.Nodes;
using Microsoft.Extensions.Logging;
using TracktileFunctions.LoadDriver.Child;

namespace TracktileFunctions.LoadDriver.Events;

/// <summary>
/// <c>child-events</c>: the app with its event queue functions under the real queue extension. On each phase's
/// <c>go</c> it sends the phase's signed webhooks through the HTTP function, in process, with <c>--callers</c>
/// concurrent callers; the driver watches the sandbox for the effects and the queues for the end.
/// </summary>
internal static class EventsChild
{
    private static readonly TimeSpan WaitForCommand = TimeSpan.FromMinutes(30);

    public static async Task RunAsync(ArgumentReader args, CommandReader commands, MemorySampler sampler)
    {
        var settings = args.Settings();
        var callers = args.OptionalInt("--callers", 1) ?? 16;
        var phases = args.All("--phase").Select(EventPhase.Parse).ToList();
        var functions = args.All("--function");
        var logLevel = Enum.Parse<LogLevel>(args.Optional("--log-level") ?? nameof(LogLevel.Warning), ignoreCase: true);
        args.EnsureAllRead();

        await using (var app = await EventsApp.StartAsync(settings, logLevel, functions).ConfigureAwait(false))
        {
            Protocol.Emit(Protocol.Ready, new JsonObject { ["functions"] = app.Functions });
            foreach (var phase in phases)
            {
                var events = phase.Events();
                await commands.WaitForAsync(phase.GoCommand, WaitForCommand).ConfigureAwait(false);
                var signed = app.Sign(events);
                Protocol.Emit(phase.StartedEvent); // its time is the phase's start: the first webhook is sent right after
                var result = await Callers.RunAsync(signed.Length, callers, i => app.PostAsync(signed[i], CancellationToken.None)).ConfigureAwait(false);
                Protocol.Emit(phase.PostedEvent, new JsonObject { ["result"] = JsonSerializer.SerializeToNode(result, JsonSerializerOptions.Web) });
            }

            await commands.WaitForAsync(Protocol.Stop, WaitForCommand).ConfigureAwait(false);
        }

        Protocol.Emit(Protocol.Result, sampler.Report());
    }
}
