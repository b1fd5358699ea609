// What Adobe documents but @types/photoshop 25.0.4 (the newest on npm) does not declare yet.
// AdobeDocs/uxp-photoshop: ps-reference/media/executeasmodal.md, ps-reference/media/imaging.md.
export {};

declare module "photoshop/dom/CoreModules" {
  interface ExecuteAsModalOptions {
    /**
     * Photoshop 25.10+: if another plugin is modal, keep trying this many seconds (default 1)
     * before failing. Older versions ignore it and fail at once.
     */
    timeOut?: number;
  }
}

declare module "photoshop/dom/ImagingModule" {
  namespace imaging {
    interface PhotoshopImageData {
      /** True if the image data internally is using the chunky format. */
      isChunky?: boolean;
    }
  }
}
