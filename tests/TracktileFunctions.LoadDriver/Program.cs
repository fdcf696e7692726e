using System.Runtime.InteropServices;
using TracktileFunctions.LoadDriver;
using TracktileFunctions.LoadDriver.Child;
using TracktileFunctions.LoadDriver.Events;
using TracktileFunctions.LoadDriver.Parent;

// The on-demand load driver of the product batch (see README.md). `products ...` measures; `events ...` measures the
// webhook events (issue 16); the child-* commands are the measured processes it starts itself.
if (args.Length > 0 && ChildEntry.IsMode(args[0]))
{
    return await ChildEntry.RunAsync(args[0], args[1..]);
}

if (args.Length == 0 || args[0] is "-h" or "--help" or "help" || args[0] is not ("products" or EventsCommand.Name))
{
    Console.Error.WriteLine(Usage.Text);
    return args.Length > 0 && args[0] is "-h" or "--help" or "help" ? 0 : 2;
}

// Ctrl+C or SIGTERM: stop measuring, stop the children, Azurite and the sandbox, then exit. A second Ctrl+C exits at
// once (the last-resort clean-up still kills what was started).
using var stopping = new CancellationTokenSource();
var interrupts = 0;
Console.CancelKeyPress += (_, e) =>
{
    e.Cancel = Interlocked.Increment(ref interrupts) == 1;
    Console.Error.WriteLine(e.Cancel ? "Stopping (Ctrl+C again to exit at once) ..." : "Exiting.");
    stopping.Cancel();
};
using var terminate = PosixSignalRegistration.Create(PosixSignal.SIGTERM, context =>
{
    context.Cancel = true;
    stopping.Cancel();
});

try
{
    return args[0] == EventsCommand.Name
        ? await EventsCommand.RunAsync(args[1..], stopping.Token)
        : await ProductsCommand.RunAsync(args[1..], stopping.Token);
}
catch (UsageException ex)
{
    Console.Error.WriteLine($"load driver: {ex.Message}{Environment.NewLine}{Environment.NewLine}{Usage.Text}");
    return 2;
}
catch (OperationCanceledException) when (stopping.IsCancellationRequested)
{
    Console.Error.WriteLine("Stopped before the end: no results written.");
    return 130;
}
finally
{
    Cleanup.RunAll();
}
