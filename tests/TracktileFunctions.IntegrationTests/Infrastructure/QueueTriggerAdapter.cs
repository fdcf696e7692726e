using Azure.Storage.Queues.Models;
using WebJobs = Microsoft.Azure.WebJobs;

namespace TracktileFunctions.IntegrationTests.Infrastructure;

/// <summary>
/// The one WebJobs function each <see cref="WebJobsQueueHost"/> runs: the queue extension dequeues, decodes, counts
/// attempts and moves messages to <c>&lt;queue&gt;-poison</c>; this method hands each message to the isolated function.
/// </summary>
public sealed class QueueTriggerAdapter(IsolatedQueueFunction target, IServiceProvider appServices)
{
    /// <summary>The host setting that holds the queue name (resolved by WebJobs' default name resolver).</summary>
    public const string QueueNameSetting = "IsolatedQueueName";

    /// <summary>Runs the isolated function for <paramref name="message"/>; its exception fails the attempt.</summary>
    public Task Run(
        [WebJobs.QueueTrigger("%" + QueueNameSetting + "%")] QueueMessage message,
        CancellationToken cancellationToken)
        => IsolatedFunctionInvoker.InvokeAsync(target, appServices, message, cancellationToken);
}
