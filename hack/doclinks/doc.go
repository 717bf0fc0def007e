// Package doclinks holds a test that every relative link of the project's
// Markdown (README.md, docs/ and the other pages) resolves: the file exists,
// and a "#anchor" names a heading of the target, by GitHub's anchor rules.
package doclinks
