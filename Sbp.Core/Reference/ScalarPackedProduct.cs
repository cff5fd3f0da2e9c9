using Sbp.Core.Numerics;

namespace Sbp.Core.Reference;

/// <summary>
/// The test oracle of <see cref="PackedProduct"/>, one element at a time from the unpacked W: for each block of
/// 256 k, t = fma(A[r,k], op(W)[k,j], t) from t = 0, then C ← t·α + C (C starting from 0 unless accumulating).
/// </summary>
internal static class ScalarPackedProduct
{
    /// <summary>C[r, j] ← C₀[r, j] + α·Σ_k A[r, k]·op(W)[k, j] for rows r0..r1−1, element by element.</summary>
    public static void Multiply(float[] a, int lda, int r0, int r1, Matrix w, Transpose t, float[] c, int ldc, bool accumulate, float alpha = 1f)
    {
        int k = t == Transpose.No ? w.Rows : w.Cols, n = t == Transpose.No ? w.Cols : w.Rows;
        for (int r = r0; r < r1; r++)
            for (int j = 0; j < n; j++)
            {
                float acc = accumulate ? c[r * ldc + j] : 0f;
                for (int k0 = 0; k0 < k; k0 += PackedProduct.Kc)
                {
                    float tile = 0f;
                    for (int kk = k0; kk < Math.Min(k, k0 + PackedProduct.Kc); kk++)
                        tile = MathF.FusedMultiplyAdd(a[r * lda + kk], t == Transpose.No ? w[kk, j] : w[j, kk], tile);
                    acc = tile * alpha + acc;
                }
                c[r * ldc + j] = acc;
            }
    }
}
