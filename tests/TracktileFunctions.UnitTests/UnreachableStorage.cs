using Azure.Storage.Blobs;
using Azure.Storage.Queues;
using TracktileFunctions.Messaging;

namespace TracktileFunctions.UnitTests;

/// <summary>A publisher whose storage never answers (a closed port, no retries): a receiver that gets as far as queueing answers 503 at once.</summary>
internal static class UnreachableStorage
{
    public static EventPublisher Publisher { get; } = new(
        new QueueServiceClient(new Uri("http://127.0.0.1:9/devstoreaccount1"), new QueueClientOptions { Retry = { MaxRetries = 0 } }),
        new PayloadStore(new BlobContainerClient(new Uri("http://127.0.0.1:9/devstoreaccount1/x"), new BlobClientOptions { Retry = { MaxRetries = 0 } })));
}
