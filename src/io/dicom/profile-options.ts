/**
 * PS3.15 Annex E option columns of Table E.1-1 (E.3.1–E.3.10), as data, beside the Basic Profile column
 * in `profile.ts`. Where an option a user chose has an entry for an attribute, that entry replaces the
 * Basic Profile action (PS3.15 E.3): K keeps the attribute, C cleans it (dates: shifted; text: identifying
 * content removed). Transcribed from the same edition as the Basic Profile column and cross-checked
 * against innolitics/dicom-standard's extraction of Table E.1-1 (`standard/confidentiality_profile_attributes.json`):
 * all 617 Basic Profile rows agree; option rows are those of tags in our Basic Profile table.
 *
 * Options not offered: Retain Institution Identity, Clean Pixel Data, Clean Recognizable Visual Features,
 * Clean Graphics, Clean Structured Content.
 */

export interface ProfileOptions {
  /** Retain Longitudinal Temporal Information: `full` keeps dates (Full Dates), `shift` moves them by a keyed per-patient offset (Modified Dates). */
  retainLongitudinalTemporal: false | 'full' | 'shift';
  retainPatientCharacteristics: boolean;
  retainDeviceIdentity: boolean;
  /** Keep private attributes on `SAFE_PRIVATE` (with their private creators); all others are removed. */
  retainSafePrivate: boolean;
  cleanDescriptors: boolean;
  retainUids: boolean;
}

export const BASIC_ONLY: ProfileOptions = {
  retainLongitudinalTemporal: false,
  retainPatientCharacteristics: false,
  retainDeviceIdentity: false,
  retainSafePrivate: false,
  cleanDescriptors: false,
  retainUids: false,
};

/** Retain Longitudinal Temporal Information: K with Full Dates, C (shifted) with Modified Dates (165 rows) */
const LONGITUDINAL: readonly string[] = [
  '00080012', // Instance Creation Date
  '00080013', // Instance Creation Time
  '00080015', // Instance Coercion DateTime
  '00080020', // Study Date
  '00080021', // Series Date
  '00080022', // Acquisition Date
  '00080023', // Content Date
  '00080024', // Overlay Date
  '00080025', // Curve Date
  '0008002A', // Acquisition DateTime
  '00080030', // Study Time
  '00080031', // Series Time
  '00080032', // Acquisition Time
  '00080033', // Content Time
  '00080034', // Overlay Time
  '00080035', // Curve Time
  '00080106', // Context Group Version
  '00080107', // Context Group Local Version
  '00080201', // Timezone Offset From UTC
  '001021D0', // Last Menstrual Date
  '00120086', // Ethics Committee Approval Effectiveness Start Date
  '00120087', // Ethics Committee Approval Effectiveness End Date
  '0014407C', // Calibration Time
  '0014407E', // Calibration Date
  '0016008D', // GPS Date Stamp
  '00180027', // Intervention Drug Stop Time
  '00180035', // Intervention Drug Start Time
  '00181012', // Date of Secondary Capture
  '00181014', // Time of Secondary Capture
  '00181042', // Contrast/Bolus Start Time
  '00181043', // Contrast/Bolus Stop Time
  '00181072', // Radiopharmaceutical Start Time
  '00181073', // Radiopharmaceutical Stop Time
  '00181078', // Radiopharmaceutical Start DateTime
  '00181079', // Radiopharmaceutical Stop DateTime
  '00181200', // Date of Last Calibration
  '00181201', // Time of Last Calibration
  '00181202', // DateTime of Last Calibration
  '00181203', // Calibration DateTime
  '00181204', // Date of Manufacture
  '00181205', // Date of Installation
  '0018700C', // Date of Last Detector Calibration
  '0018700E', // Time of Last Detector Calibration
  '00189074', // Frame Acquisition DateTime
  '00189151', // Frame Reference DateTime
  '00189369', // Source Start DateTime
  '0018936A', // Source End DateTime
  '00189516', // Start Acquisition DateTime
  '00189517', // End Acquisition DateTime
  '00189623', // Functional Sync Pulse
  '00189701', // Decay Correction DateTime
  '00189804', // Exclusion Start DateTime
  '00189919', // Instruction Performed DateTime
  '0018A002', // Contribution DateTime
  '00203403', // Modified Image Date
  '00203405', // Modified Image Time
  '00320032', // Study Verified Date
  '00320033', // Study Verified Time
  '00320034', // Study Read Date
  '00320035', // Study Read Time
  '00321000', // Scheduled Study Start Date
  '00321001', // Scheduled Study Start Time
  '00321010', // Scheduled Study Stop Date
  '00321011', // Scheduled Study Stop Time
  '00321040', // Study Arrival Date
  '00321041', // Study Arrival Time
  '00321050', // Study Completion Date
  '00321051', // Study Completion Time
  '00340007', // Frame Origin Timestamp
  '0038001A', // Scheduled Admission Date
  '0038001B', // Scheduled Admission Time
  '0038001C', // Scheduled Discharge Date
  '0038001D', // Scheduled Discharge Time
  '00380020', // Admitting Date
  '00380021', // Admitting Time
  '00380030', // Discharge Date
  '00380032', // Discharge Time
  '003A0314', // Impedance Measurement DateTime
  '00400002', // Scheduled Procedure Step Start Date
  '00400003', // Scheduled Procedure Step Start Time
  '00400004', // Scheduled Procedure Step End Date
  '00400005', // Scheduled Procedure Step End Time
  '00400244', // Performed Procedure Step Start Date
  '00400245', // Performed Procedure Step Start Time
  '00400250', // Performed Procedure Step End Date
  '00400251', // Performed Procedure Step End Time
  '00402004', // Issue Date of Imaging Service Request
  '00402005', // Issue Time of Imaging Service Request
  '00404005', // Scheduled Procedure Step Start DateTime
  '00404008', // Scheduled Procedure Step Expiration DateTime
  '00404010', // Scheduled Procedure Step Modification DateTime
  '00404011', // Expected Completion DateTime
  '00404050', // Performed Procedure Step Start DateTime
  '00404051', // Performed Procedure Step End DateTime
  '00404052', // Procedure Step Cancellation DateTime
  '0040A023', // Findings Group Recording Date (Trial)
  '0040A024', // Findings Group Recording Time (Trial)
  '0040A030', // Verification DateTime
  '0040A032', // Observation DateTime
  '0040A033', // Observation Start DateTime
  '0040A082', // Participation DateTime
  '0040A110', // Date of Document or Verbal Transaction (Trial)
  '0040A112', // Time of Document Creation or Verbal Transaction (Trial)
  '0040A120', // DateTime
  '0040A121', // Date
  '0040A122', // Time
  '0040A13A', // Referenced DateTime
  '0040A192', // Observation Date (Trial)
  '0040A193', // Observation Time (Trial)
  '0040DB06', // Template Version
  '0040DB07', // Template Local Version
  '0040E004', // HL7 Document Effective Time
  '00440004', // Approval Status DateTime
  '0044000B', // Product Expiration DateTime
  '00440010', // Substance Administration DateTime
  '00440104', // Assertion DateTime
  '00440105', // Assertion Expiration DateTime
  '00686226', // Effective DateTime
  '00686270', // Information Issue DateTime
  '00700082', // Presentation Creation Date
  '00700083', // Presentation Creation Time
  '0072000A', // Hanging Protocol Creation DateTime
  '00720061', // Selector DA Value
  '00720063', // Selector DT Value
  '0072006B', // Selector TM Value
  '01000420', // SOP Authorization DateTime
  '04000105', // Digital Signature DateTime
  '04000310', // Certified Timestamp
  '04000562', // Attribute Modification DateTime
  '21000040', // Creation Date
  '21000050', // Creation Time
  '30060008', // Structure Set Date
  '30060009', // Structure Set Time
  '3006002D', // ROI DateTime
  '3006002E', // ROI Observation DateTime
  '30080024', // Treatment Control Point Date
  '30080025', // Treatment Control Point Time
  '30080054', // First Treatment Date
  '30080056', // Most Recent Treatment Date
  '30080162', // Safe Position Exit Date
  '30080164', // Safe Position Exit Time
  '30080166', // Safe Position Return Date
  '30080168', // Safe Position Return Time
  '30080250', // Treatment Date
  '30080251', // Treatment Time
  '300A0006', // RT Plan Date
  '300A0007', // RT Plan Time
  '300A022C', // Source Strength Reference Date
  '300A022E', // Source Strength Reference Time
  '300A0736', // Treatment Tolerance Violation DateTime
  '300A073A', // Recorded RT Control Point DateTime
  '300A0741', // Interlock DateTime
  '300A0760', // Override DateTime
  '300C0127', // Beam Hold Transition DateTime
  '300E0004', // Review Date
  '300E0005', // Review Time
  '3010004C', // Intended Phase Start Date
  '3010004D', // Intended Phase End Date
  '30100085', // Intended Fraction Start Time
  '40080100', // Interpretation Recorded Date
  '40080101', // Interpretation Recorded Time
  '40080108', // Interpretation Transcription Date
  '40080109', // Interpretation Transcription Time
  '40080112', // Interpretation Approval Date
  '40080113', // Interpretation Approval Time
];

/** Retain Patient Characteristics (13 rows) */
const PATIENT_CHARACTERISTICS: readonly (readonly [string, 'K' | 'C'])[] = [
  ['00100040', 'K'], // Patient's Sex
  ['00101010', 'K'], // Patient's Age
  ['00101020', 'K'], // Patient's Size
  ['00101030', 'K'], // Patient's Weight
  ['00102110', 'C'], // Allergies
  ['00102160', 'K'], // Ethnic Group
  ['001021A0', 'K'], // Smoking Status
  ['001021C0', 'K'], // Pregnancy Status
  ['00102203', 'K'], // Patient's Sex Neutered
  ['00380050', 'C'], // Special Needs
  ['00380500', 'C'], // Patient State
  ['00400012', 'C'], // Pre-Medication
  ['0072005F', 'K'], // Selector AS Value
];

/** Retain Device Identity (57 rows) */
const DEVICE_IDENTITY: readonly (readonly [string, 'K' | 'C'])[] = [
  ['00080054', 'C'], // Retrieve AE Title
  ['00080055', 'C'], // Station AE Title
  ['00081000', 'C'], // Network ID
  ['00081010', 'K'], // Station Name
  ['0014407C', 'K'], // Calibration Time
  ['0014407E', 'K'], // Calibration Date
  ['0016004E', 'K'], // Lens Specification
  ['0016004F', 'K'], // Lens Make
  ['00160050', 'K'], // Lens Model
  ['00160051', 'K'], // Lens Serial Number
  ['00181000', 'K'], // Device Serial Number
  ['00181002', 'K'], // Device UID
  ['00181004', 'K'], // Plate ID
  ['00181005', 'K'], // Generator ID
  ['00181007', 'K'], // Cassette ID
  ['00181008', 'K'], // Gantry ID
  ['00181009', 'K'], // Unique Device Identifier
  ['0018100A', 'K'], // UDI Sequence
  ['0018100B', 'K'], // Manufacturer's Device Class UID
  ['00181200', 'K'], // Date of Last Calibration
  ['00181201', 'K'], // Time of Last Calibration
  ['00181202', 'K'], // DateTime of Last Calibration
  ['00181203', 'K'], // Calibration DateTime
  ['00181204', 'K'], // Date of Manufacture
  ['00181205', 'K'], // Date of Installation
  ['00185011', 'K'], // Transducer Identification Sequence
  ['0018700A', 'K'], // Detector ID
  ['0018700C', 'K'], // Date of Last Detector Calibration
  ['0018700E', 'K'], // Time of Last Detector Calibration
  ['00189367', 'K'], // X-Ray Source ID
  ['00189371', 'K'], // X-Ray Detector ID
  ['00189373', 'K'], // X-Ray Detector Label
  ['00203401', 'K'], // Modifying Device ID
  ['00321020', 'K'], // Scheduled Study Location
  ['00321021', 'C'], // Scheduled Study Location AE Title
  ['00400001', 'C'], // Scheduled Station AE Title
  ['00400010', 'K'], // Scheduled Station Name
  ['00400011', 'K'], // Scheduled Procedure Step Location
  ['00400241', 'C'], // Performed Station AE Title
  ['00400242', 'K'], // Performed Station Name
  ['00404025', 'K'], // Scheduled Station Name Code Sequence
  ['00404027', 'K'], // Scheduled Station Geographic Location Code Sequence
  ['00404028', 'K'], // Performed Station Name Code Sequence
  ['00404030', 'K'], // Performed Station Geographic Location Code Sequence
  ['00500020', 'K'], // Device Description
  ['0072005E', 'C'], // Selector AE Value
  ['00741234', 'C'], // Receiving AE
  ['00741236', 'C'], // Requesting AE
  ['04000563', 'K'], // Modifying System
  ['21000070', 'C'], // Originator
  ['21000140', 'C'], // Destination AE
  ['30080105', 'K'], // Source Serial Number
  ['300A00B2', 'K'], // Treatment Machine Name
  ['300A0216', 'K'], // Source Manufacturer
  ['300C0127', 'K'], // Beam Hold Transition DateTime
  ['3010002D', 'K'], // Device Label
  ['30100043', 'K'], // Manufacturer's Device Identifier
];

/** Retain UIDs: K (59 rows) */
const UIDS: readonly string[] = [
  '00001000', // Affected SOP Instance UID
  '00001001', // Requested SOP Instance UID
  '00020003', // Media Storage SOP Instance UID
  '00041511', // Referenced SOP Instance UID in File
  '00080014', // Instance Creator UID
  '00080017', // Acquisition UID
  '00080018', // SOP Instance UID
  '00080019', // Pyramid UID
  '00080058', // Failed SOP Instance UID List
  '00081110', // Referenced Study Sequence
  '00081111', // Referenced Performed Procedure Step Sequence
  '00081120', // Referenced Patient Sequence
  '00081140', // Referenced Image Sequence
  '00081155', // Referenced SOP Instance UID
  '00081195', // Transaction UID
  '00082112', // Source Image Sequence
  '00083010', // Irradiation Event UID
  '00181002', // Device UID
  '0018100B', // Manufacturer's Device Class UID
  '00182042', // Target UID
  '0020000D', // Study Instance UID
  '0020000E', // Series Instance UID
  '00200052', // Frame of Reference UID
  '00200200', // Synchronization Frame of Reference UID
  '00209161', // Concatenation UID
  '00209164', // Dimension Organization UID
  '00281199', // Palette Color Lookup Table UID
  '00281214', // Large Palette Color Lookup Table UID
  '003A0310', // Multiplex Group UID
  '00400554', // Specimen UID
  '00404023', // Referenced General Purpose Scheduled Procedure Step Transaction UID
  '0040A171', // Observation UID
  '0040A172', // Referenced Observation UID (Trial)
  '0040A402', // Observation Subject UID (Trial)
  '0040DB0C', // Template Extension Organization UID
  '0040DB0D', // Template Extension Creator UID
  '00620021', // Tracking UID
  '00640003', // Source Frame of Reference UID
  '006A0003', // Annotation Group UID
  '0070031A', // Fiducial UID
  '00701101', // Presentation Display Collection UID
  '00701102', // Presentation Sequence Collection UID
  '00880140', // Storage Media File-set UID
  '30060024', // Referenced Frame of Reference UID
  '300600C2', // Related Frame of Reference UID
  '300A0013', // Dose Reference UID
  '300A0083', // Referenced Dose Reference UID
  '300A0609', // Treatment Position Group UID
  '300A0650', // Patient Setup UID
  '300A0700', // Treatment Session UID
  '300A0785', // Referenced Treatment Position Group UID
  '30100006', // Conceptual Volume UID
  '3010000B', // Referenced Conceptual Volume UID
  '30100013', // Constituent Conceptual Volume UID
  '30100015', // Source Conceptual Volume UID
  '30100031', // Referenced Fiducials UID
  '3010003B', // RT Treatment Phase UID
  '3010006E', // Dosimetric Objective UID
  '3010006F', // Referenced Dosimetric Objective UID
];

/** Clean Descriptors: C (125 rows) */
const DESCRIPTORS: readonly string[] = [
  '00081030', // Study Description
  '0008103E', // Series Description
  '00081080', // Admitting Diagnoses Description
  '00081084', // Admitting Diagnoses Code Sequence
  '00081088', // Pyramid Description
  '00082111', // Derivation Description
  '00084000', // Identifying Comments
  '00102000', // Medical Alerts
  '00102110', // Allergies
  '00102180', // Occupation
  '001021B0', // Additional Patient History
  '00104000', // Patient Comments
  '00120051', // Clinical Trial Time Point Description
  '00120072', // Clinical Trial Series Description
  '0016002B', // Maker Note
  '0016004B', // Device Setting Description
  '00180010', // Contrast/Bolus Agent
  '00181030', // Protocol Name
  '001811BB', // Acquisition Field Of View Label
  '00181400', // Acquisition Device Processing Description
  '00184000', // Acquisition Comments
  '00189185', // Respiratory Motion Compensation Technique Description
  '0018937B', // Multi-energy Acquisition Description
  '0018937F', // Decomposition Description
  '00189424', // Acquisition Protocol Description
  '00189937', // Requested Series Description
  '0018A003', // Contribution Description
  '00200027', // Pyramid Label
  '00204000', // Image Comments
  '00209158', // Frame Comments
  '00321030', // Reason for Study
  '00321060', // Requested Procedure Description
  '00321066', // Reason for Visit
  '00321067', // Reason for Visit Code Sequence
  '00321070', // Requested Contrast Agent
  '00324000', // Study Comments
  '00380040', // Discharge Diagnosis Description
  '00380062', // Service Episode Description
  '00380500', // Patient State
  '00384000', // Visit Comments
  '003A0329', // Waveform Filter Description
  '003A032B', // Filter Lookup Table Description
  '00400007', // Scheduled Procedure Step Description
  '00400254', // Performed Procedure Step Description
  '00400275', // Request Attributes Sequence
  '00400280', // Comments on the Performed Procedure Step
  '00400310', // Comments on Radiation Dose
  '0040051A', // Container Description
  '00400600', // Specimen Short Description
  '00400602', // Specimen Detailed Description
  '00401002', // Reason for the Requested Procedure
  '0040100A', // Reason for Requested Procedure Code Sequence
  '00401400', // Requested Procedure Comments
  '00402001', // Reason for the Imaging Service Request
  '00402400', // Imaging Service Request Comments
  '00500021', // Long Device Description
  '006A0005', // Annotation Group Label
  '006A0006', // Annotation Group Description
  '00720066', // Selector LO Value
  '00720068', // Selector LT Value
  '0072006C', // Selector SH Value
  '0072006E', // Selector ST Value
  '00720070', // Selector UT Value
  '04000565', // Reason for the Attribute Modification
  '22000002', // Label Text
  '30020121', // Position Acquisition Template Name
  '30020123', // Position Acquisition Template Description
  '30060002', // Structure Set Label
  '30060004', // Structure Set Name
  '30060006', // Structure Set Description
  '30060026', // ROI Name
  '30060028', // ROI Description
  '30060038', // ROI Generation Description
  '30060085', // ROI Observation Label
  '30060088', // ROI Observation Description
  '300A0002', // RT Plan Label
  '300A0003', // RT Plan Name
  '300A0004', // RT Plan Description
  '300A000B', // Treatment Sites
  '300A000E', // Prescription Description
  '300A0016', // Dose Reference Description
  '300A0072', // Fraction Group Description
  '300A00C3', // Beam Description
  '300A00DD', // Bolus Description
  '300A0196', // Fixation Device Description
  '300A01A6', // Shielding Device Description
  '300A01B2', // Setup Technique Description
  '300A02EB', // Compensator Description
  '300A0608', // Treatment Position Group Label
  '300A0619', // Radiation Dose Identification Label
  '300A0623', // Radiation Dose In-Vivo Measurement Label
  '300A062A', // RT Tolerance Set Label
  '300A0676', // Equipment Frame of Reference Description
  '300A067C', // Radiation Generation Mode Label
  '300A067D', // Radiation Generation Mode Description
  '300A0734', // Treatment Tolerance Violation Description
  '300A0742', // Interlock Description
  '300A0783', // Interlock Origin Description
  '300A078E', // Patient Treatment Preparation Procedure Parameter Description
  '300A0792', // Patient Treatment Preparation Method Description
  '300A0794', // Patient Setup Photo Description
  '300A079A', // Displacement Reference Label
  '300C0113', // Reason for Omission Description
  '3010000F', // Conceptual Volume Combination Description
  '30100017', // Conceptual Volume Description
  '30100033', // User Content Label
  '30100034', // User Content Long Label
  '30100035', // Entity Label
  '30100036', // Entity Name
  '30100037', // Entity Description
  '30100038', // Entity Long Label
  '30100054', // RT Prescription Label
  '30100056', // RT Treatment Approach Label
  '3010005A', // RT Physician Intent Narrative
  '3010005C', // Reason for Superseding
  '30100061', // Prior Treatment Dose Description
  '30100077', // Treatment Site
  '3010007A', // Treatment Technique Notes
  '3010007B', // Prescription Notes
  '3010007F', // Fractionation Notes
  '30100081', // Prescription Notes Sequence
  '4008010B', // Interpretation Text
  '40080115', // Interpretation Diagnosis Description
  '40080300', // Impressions
  '40084000', // Results Comments
];

/** What an option does to one attribute: keep it, clean it, or (dates under `shift`) shift it. */
export type OptionAction = { action: 'K' | 'C' | 'shift'; option: keyof ProfileOptions };

const LONGITUDINAL_SET = new Set(LONGITUDINAL);
const PATIENT_MAP = new Map(PATIENT_CHARACTERISTICS);
const DEVICE_MAP = new Map(DEVICE_IDENTITY);
const UID_SET = new Set(UIDS);
const DESCRIPTOR_SET = new Set(DESCRIPTORS);

/**
 * The option action for a tag (8 upper-case hex digits) under `options`, or undefined when the Basic
 * Profile action stands. When several chosen options name the tag, keeping wins over cleaning.
 */
export function optionAction(tag: string, options: ProfileOptions): OptionAction | undefined {
  const found: OptionAction[] = [];
  if (options.retainLongitudinalTemporal && LONGITUDINAL_SET.has(tag)) {
    found.push({ action: options.retainLongitudinalTemporal === 'full' ? 'K' : 'shift', option: 'retainLongitudinalTemporal' });
  }
  if (options.retainPatientCharacteristics && PATIENT_MAP.has(tag)) found.push({ action: PATIENT_MAP.get(tag)!, option: 'retainPatientCharacteristics' });
  if (options.retainDeviceIdentity && DEVICE_MAP.has(tag)) found.push({ action: DEVICE_MAP.get(tag)!, option: 'retainDeviceIdentity' });
  if (options.retainUids && UID_SET.has(tag)) found.push({ action: 'K', option: 'retainUids' });
  if (options.cleanDescriptors && DESCRIPTOR_SET.has(tag)) found.push({ action: 'C', option: 'cleanDescriptors' });
  return found.find((f) => f.action === 'K') ?? found.find((f) => f.action === 'shift') ?? found[0];
}

/** Every tag an option column names (for tests and the report). */
export const OPTION_TAGS = { LONGITUDINAL, PATIENT_CHARACTERISTICS, DEVICE_IDENTITY, UIDS, DESCRIPTORS } as const;

/**
 * Private attributes kept by Retain Safe Private (PS3.15 E.3.10: private attributes known to carry no
 * identity). The list is short and deliberate: the diffusion encoding that de-identified DWI is useless
 * without (what dcm2niix and similar converters read), and the Siemens mosaic layout. Identified by
 * private creator, group and element byte (the block is wherever the creator was reserved).
 */
export const SAFE_PRIVATE: readonly { creator: string; group: number; element: number; name: string }[] = [
  { creator: 'SIEMENS MR HEADER', group: 0x0019, element: 0x0a, name: 'NumberOfImagesInMosaic' },
  { creator: 'SIEMENS MR HEADER', group: 0x0019, element: 0x0c, name: 'B_value' },
  { creator: 'SIEMENS MR HEADER', group: 0x0019, element: 0x0d, name: 'DiffusionDirectionality' },
  { creator: 'SIEMENS MR HEADER', group: 0x0019, element: 0x0e, name: 'DiffusionGradientDirection' },
  { creator: 'SIEMENS MR HEADER', group: 0x0019, element: 0x27, name: 'B_matrix' },
  { creator: 'GEMS_PARM_01', group: 0x0043, element: 0x39, name: 'Slop_int_6..9 (b-value)' },
  { creator: 'Philips Imaging DD 001', group: 0x2001, element: 0x03, name: 'Diffusion B-Factor' },
  { creator: 'Philips Imaging DD 001', group: 0x2001, element: 0x04, name: 'Diffusion Direction' },
  { creator: 'Philips MR Imaging DD 001', group: 0x2005, element: 0xb0, name: 'Diffusion Direction RL' },
  { creator: 'Philips MR Imaging DD 001', group: 0x2005, element: 0xb1, name: 'Diffusion Direction AP' },
  { creator: 'Philips MR Imaging DD 001', group: 0x2005, element: 0xb2, name: 'Diffusion Direction FH' },
];

/** CID 7050 De-identification Method codes (DCM) for each option, recorded beside 113100 (Basic). */
export const OPTION_CODES: Readonly<Record<string, { codeValue: string; codeMeaning: string }>> = {
  cleanDescriptors: { codeValue: '113105', codeMeaning: 'Clean Descriptors Option' },
  'retainLongitudinalTemporal:full': { codeValue: '113106', codeMeaning: 'Retain Longitudinal Temporal Information Full Dates Option' },
  'retainLongitudinalTemporal:shift': { codeValue: '113107', codeMeaning: 'Retain Longitudinal Temporal Information Modified Dates Option' },
  retainPatientCharacteristics: { codeValue: '113108', codeMeaning: 'Retain Patient Characteristics Option' },
  retainDeviceIdentity: { codeValue: '113109', codeMeaning: 'Retain Device Identity Option' },
  retainUids: { codeValue: '113110', codeMeaning: 'Retain UIDs Option' },
  retainSafePrivate: { codeValue: '113111', codeMeaning: 'Retain Safe Private Option' },
};
