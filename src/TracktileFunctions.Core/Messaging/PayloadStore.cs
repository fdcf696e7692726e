using System.Security.Cryptography;
using Azure;
using Azure.Storage.Blobs;
using Azure.Storage.Blobs.Models;

namespace TracktileFunctions.Messaging;

/// <summary>
/// The claim-check store: payloads too large for a queue message are kept as blobs named by their SHA-256, so a
/// redelivered event overwrites its own blob with the same bytes and never leaves a half-written reference.
/// </summary>
public sealed class PayloadStore(BlobContainerClient container)
{
    /// <summary>Saves <paramref name="payload"/> and returns the blob name to put in the message.</summary>
    public async Task<string> SaveAsync(string source, ReadOnlyMemory<byte> payload, CancellationToken cancellationToken)
    {
        var name = $"{source}/{Convert.ToHexStringLower(SHA256.HashData(payload.Span))}.json";
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
}
