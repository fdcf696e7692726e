using System.Security.Cryptography;
using Azure;
using Azure.Storage.Blobs;
using Azure.Storage.Blobs.Models;

namespace TracktileFunctions.Messaging;

/// <summary>
/// The claim-check store: payloads too large for a queue message are kept as blobs named by their target queue, their
/// SHA-256 and their event, so a redelivered event overwrites its own blob with the same bytes and never leaves a half-written
/// reference. Each queue's copy is its own blob: the consumer of that queue deletes it once the event is done there,
/// and a poisoned message keeps its blob for as long as the message exists.
/// </summary>
public sealed class PayloadStore(BlobContainerClient container)
{
    /// <summary>Saves <paramref name="payload"/> and returns the blob name to put in the message.</summary>
    /// <param name="source">The sender.</param>
    /// <param name="queue">The queue whose message will refer to it.</param>
    /// <param name="eventId">The event: two events with the same bytes (a product handed off by two runs) get two blobs.</param>
    /// <param name="payload">The payload.</param>
    /// <param name="cancellationToken">Cancellation.</param>
    public async Task<string> SaveAsync(string source, string queue, string eventId, ReadOnlyMemory<byte> payload, CancellationToken cancellationToken)
    {
        var eventHash = Convert.ToHexStringLower(SHA256.HashData(System.Text.Encoding.UTF8.GetBytes(eventId)))[..16];
        var name = $"{source}/{queue}/{Convert.ToHexStringLower(SHA256.HashData(payload.Span))}-{eventHash}.json";
        var blob = container.GetBlobClient(name);
        var options = new BlobUploadOptions { HttpHeaders = new BlobHttpHeaders { ContentType = "application/json" } };
        try
        {
            await blob.UploadAsync(BinaryData.FromBytes(payload), options, cancellationToken).ConfigureAwait(false);
        }
        catch (RequestFailedException ex) when (ex.ErrorCode == BlobErrorCode.ContainerNotFound)
        {
            await container.CreateIfNotExistsAsync(cancellationToken: cancellationToken).ConfigureAwait(false);
            await blob.UploadAsync(BinaryData.FromBytes(payload), options, cancellationToken).ConfigureAwait(false);
        }

        return name;
    }

    /// <summary>Loads a payload saved by <see cref="SaveAsync"/>.</summary>
    public async Task<BinaryData> LoadAsync(string name, CancellationToken cancellationToken)
    {
        var result = await container.GetBlobClient(name).DownloadContentAsync(cancellationToken).ConfigureAwait(false);
        return result.Value.Content;
    }

    /// <summary>Deletes a payload no message needs any more (already gone is fine).</summary>
    public async Task DeleteAsync(string name, CancellationToken cancellationToken)
        => await container.GetBlobClient(name).DeleteIfExistsAsync(cancellationToken: cancellationToken).ConfigureAwait(false);
}
